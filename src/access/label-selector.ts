/**
 * Kubernetes label selectors (`env=prod,team in (pay,core),!legacy`) for grants: parsed once when a grant
 * is written, matched in memory against cluster and namespace labels, and compiled to SQL over
 * `clusters.labels` (jsonb) so a filtered, paginated cluster list is one query.
 */
export type Requirement =
  { key: string; op: 'in' | 'notin'; values: string[] } | { key: string; op: 'exists' | '!exists' };

export class SelectorSyntaxError extends Error {}

const KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
const MAX_LENGTH = 1024;

function key(k: string): string {
  if (!KEY.test(k) || k.length > 316) throw new SelectorSyntaxError(`"${k}" is not a valid label key`);
  return k;
}

function value(v: string): string {
  if (!VALUE.test(v)) throw new SelectorSyntaxError(`"${v}" is not a valid label value`);
  return v;
}

/** Splits on commas outside parentheses. */
function terms(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (depth < 0 || depth > 1) throw new SelectorSyntaxError('Unbalanced parentheses');
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (depth !== 0) throw new SelectorSyntaxError('Unbalanced parentheses');
  out.push(cur);
  return out.map((t) => t.trim());
}

export function parseSelector(s: string): Requirement[] {
  if (s.length > MAX_LENGTH) throw new SelectorSyntaxError(`A selector is at most ${MAX_LENGTH} characters`);
  if (!s.trim()) throw new SelectorSyntaxError('The selector is empty');
  const reqs: Requirement[] = [];
  for (const t of terms(s)) {
    if (!t) throw new SelectorSyntaxError('Empty term in selector');
    let m: RegExpMatchArray | null;
    if ((m = t.match(/^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/))) {
      if (!m[3].trim()) throw new SelectorSyntaxError(`"${t}" lists no values`);
      const values = m[3]
        .split(',')
        .map((v) => v.trim())
        .map(value);
      if (!values.length || values.some((v) => v === '' && values.length > 1))
        throw new SelectorSyntaxError(`"${t}" lists no values`);
      reqs.push({ key: key(m[1]), op: m[2] as 'in' | 'notin', values });
    } else if ((m = t.match(/^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/))) {
      reqs.push({ key: key(m[1]), op: m[2] === '!=' ? 'notin' : 'in', values: [value(m[3])] });
    } else if ((m = t.match(/^!\s*(\S+)$/))) {
      reqs.push({ key: key(m[1]), op: '!exists' });
    } else if (KEY.test(t)) {
      reqs.push({ key: t, op: 'exists' });
    } else
      throw new SelectorSyntaxError(
        `"${t}" is not a selector term (k=v, k!=v, k in (a,b), k notin (a,b), k, !k)`,
      );
  }
  return reqs;
}

export function matches(
  reqs: readonly Requirement[],
  labels: Record<string, string> | null | undefined,
): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    switch (r.op) {
      case 'exists':
        return has;
      case '!exists':
        return !has;
      case 'in':
        return has && r.values.includes(l[r.key]);
      case 'notin':
        return !has || !r.values.includes(l[r.key]);
    }
  });
}

/** The canonical text of a parsed selector (sorted terms): how grants store and compare them. */
export function formatSelector(reqs: readonly Requirement[]): string {
  return reqs
    .map((r) => {
      if (!('values' in r)) return r.op === 'exists' ? r.key : `!${r.key}`;
      if (r.values.length === 1) return `${r.key}${r.op === 'in' ? '=' : '!='}${r.values[0]}`;
      return `${r.key} ${r.op} (${[...r.values].sort().join(',')})`;
    })
    .sort()
    .join(',');
}

/** Adds a query parameter and answers its placeholder (`$3` for raw SQL, `:acl3` for TypeORM). */
export type Bind = (value: unknown) => string;

/** A Bind for raw SQL: appends to `params`, placeholders numbered `$n`. */
export function positional(params: unknown[]): Bind {
  return (v) => {
    params.push(v);
    return `$${params.length}`;
  };
}

/** A SQL condition over `<column>` (jsonb labels) that holds exactly when `matches` does; values are bound. */
export function selectorSql(reqs: readonly Requirement[], column: string, p: Bind): string {
  if (!reqs.length) return 'TRUE';
  return reqs
    .map((r) => {
      switch (r.op) {
        case 'exists':
          return `(${column} ? ${p(r.key)})`;
        case '!exists':
          return `NOT (${column} ? ${p(r.key)})`;
        case 'in':
          return `((${column} ->> ${p(r.key)}) = ANY(${p(r.values)}::text[]))`;
        case 'notin':
          return `(NOT (${column} ? ${p(r.key)}) OR NOT ((${column} ->> ${p(r.key)}) = ANY(${p(r.values)}::text[])))`;
      }
    })
    .join(' AND ');
}

/**
 * True when every label set `a` matches is also matched by `b` (b is at least as wide as a): each of b's
 * requirements is implied by one of a's. Conservative: false when unsure.
 */
export function selectorWithin(a: readonly Requirement[], b: readonly Requirement[]): boolean {
  const vals = (r: Requirement): string[] => ('values' in r ? r.values : []);
  return b.every((rb) =>
    a.some((ra) => {
      if (ra.key !== rb.key) return false;
      const av = vals(ra);
      const bv = vals(rb);
      if (rb.op === 'exists') return ra.op === 'exists' || ra.op === 'in';
      if (rb.op === '!exists') return ra.op === '!exists';
      if (rb.op === 'in') return ra.op === 'in' && av.every((v) => bv.includes(v));
      // notin: a excludes at least the values b excludes
      return (
        (ra.op === 'notin' && bv.every((v) => av.includes(v))) ||
        ra.op === '!exists' ||
        (ra.op === 'in' && av.every((v) => !bv.includes(v)))
      );
    }),
  );
}
