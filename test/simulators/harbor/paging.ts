// Harbor list conventions: `page` / `page_size` paging, `X-Total-Count` and `Link` headers, and the
// `q` query language (`q=name=~foo,public=true`).
import type { SimRequest } from '../common/sim-server.js';
import { HarborError } from './store.js';

export interface Page<T> {
  items: T[];
  headers: Record<string, string>;
}

/**
 * Pages `all` as Harbor does: page >= 1 (default 1), page_size <= 100 (default 10; 0 = everything).
 * Headers: `X-Total-Count: <total>` and, when there are neighbours,
 * `Link: </api/v2.0/projects?page=1&page_size=10>; rel="prev" , </api/v2.0/projects?page=3&page_size=10>; rel="next"`
 * (Harbor's own format: relative URL, query keys sorted and unescaped, entries joined by " , ").
 */
export function paginate<T>(req: SimRequest, all: T[]): Page<T> {
  const page = intParam(req, 'page', 1);
  const pageSize = intParam(req, 'page_size', 10);
  if (page < 1)
    throw new HarborError(
      422,
      'UNPROCESSABLE_ENTITY',
      'validation failure list:\npage in query should be greater than or equal to 1',
    );
  if (pageSize > 100)
    throw new HarborError(
      422,
      'UNPROCESSABLE_ENTITY',
      'validation failure list:\npage_size in query should be less than or equal to 100',
    );
  if (pageSize < 0)
    throw new HarborError(
      422,
      'UNPROCESSABLE_ENTITY',
      'validation failure list:\npage_size in query should be greater than or equal to 0',
    );
  const total = all.length;
  const headers: Record<string, string> = { 'X-Total-Count': String(total) };
  if (pageSize === 0) return { items: all, headers };
  const items = all.slice((page - 1) * pageSize, page * pageSize);
  const links: string[] = [];
  if (page > 1 && (page - 1) * pageSize < total)
    links.push(`<${linkUrl(req, page - 1, pageSize)}>; rel="prev"`);
  if (page * pageSize < total) links.push(`<${linkUrl(req, page + 1, pageSize)}>; rel="next"`);
  if (links.length) headers.Link = links.join(' , ');
  return { items, headers };
}

function intParam(req: SimRequest, key: string, dflt: number): number {
  const raw = req.query.get(key);
  if (raw === null || raw === '') return dflt;
  if (!/^-?\d+$/.test(raw))
    throw new HarborError(
      422,
      'UNPROCESSABLE_ENTITY',
      `validation failure list:\n${key} in query must be of type int64: "${raw}"`,
    );
  return Number(raw);
}

function linkUrl(req: SimRequest, page: number, pageSize: number): string {
  const q = new Map<string, string[]>();
  for (const [k, v] of req.query) q.set(k, [...(q.get(k) ?? []), v]);
  q.set('page', [String(page)]);
  q.set('page_size', [String(pageSize)]);
  const query = [...q.keys()]
    .sort()
    .flatMap((k) => q.get(k)!.map((v) => `${k}=${v}`))
    .join('&');
  // req.path is decoded once; a double-encoded repository name ("a%252Fb") comes back as "a%2Fb".
  return `${req.path.replace(/%/g, '%25')}?${query}`;
}

type Matcher = (value: unknown) => boolean;

/** Parses Harbor's `q` parameter: `k=v` (exact), `k=~v` (fuzzy), `k={a b}` (any of), `k=[min~max]` (range). */
export function parseQuery(q: string | null, aliases: Record<string, string> = {}): Map<string, Matcher> {
  const out = new Map<string, Matcher>();
  if (!q) return out;
  for (const part of q.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new HarborError(400, 'BAD_REQUEST', `invalid query string: ${q}`);
    const rawKey = part.slice(0, eq).trim();
    const key = aliases[rawKey] ?? aliases[rawKey.toLowerCase()] ?? rawKey;
    const value = part.slice(eq + 1).trim();
    out.set(key, matcherFor(value));
  }
  return out;
}

function matcherFor(value: string): Matcher {
  if (value.startsWith('~')) {
    const needle = value.slice(1);
    return (v) => String(v).includes(needle);
  }
  let m = /^\{(.*)\}$/.exec(value);
  if (m) {
    const options = m[1].split(/\s+/).filter(Boolean);
    return (v) => options.includes(String(v));
  }
  m = /^\[(.*)~(.*)\]$/.exec(value);
  if (m) {
    const [, lo, hi] = m;
    return (v) => (lo === '*' || String(v) >= lo) && (hi === '*' || String(v) <= hi);
  }
  return (v) => String(v) === value;
}

/** Keeps the items whose (possibly nested, via `get`) fields match every condition. */
export function applyQuery<T>(
  items: T[],
  conditions: Map<string, Matcher>,
  get: (item: T, key: string) => unknown,
): T[] {
  return items.filter((it) => [...conditions].every(([k, match]) => match(get(it, k))));
}
