// Executable fidelity check: runs recorded Harbor exchanges (what Berth sent, what the simulator
// answered) through the schemas of Harbor 2.11's swagger (harbor-2.11-schemas.ts). Every request must
// be an operation Berth is known to call, with the declared parameters (names, types, limits, required),
// a body of the declared shape (no fields Harbor does not define, required ones present); every answer
// must be a declared status carrying the declared body. Error answers must carry Harbor's `Errors`.
import type { Exchange } from '../common/sim-server.js';
import {
  DEFINITIONS,
  OPERATIONS,
  type OperationSpec,
  type ParamSpec,
  type Schema,
} from './harbor-2.11-schemas.js';

const API = '/api/v2.0';

export interface FidelityReport {
  checked: number;
  violations: string[];
  /**
   * Error statuses the operation does not declare (Harbor's swagger lists few of the errors its server
   * answers — e.g. 404 on getProject, go-swagger's 422 — and none of a proxy's 502/503/504 or throttling
   * 429). Their bodies are still checked as `Errors`; counted apart so they stay visible.
   */
  undeclaredErrorStatuses: string[];
  /** operationId → how many exchanges. */
  byOperation: Record<string, number>;
}

interface Matched {
  op: OperationSpec;
  params: Record<string, string>;
}

function segments(p: string): string[] {
  return p.split('/').filter(Boolean);
}

/** Matches a raw (still URL-encoded) request path to the operation it calls. */
export function matchOperation(method: string, rawPath: string): Matched | undefined {
  if (!rawPath.startsWith(API + '/')) return undefined;
  const got = segments(rawPath.slice(API.length));
  for (const op of OPERATIONS) {
    if (op.method !== method.toUpperCase()) continue;
    const want = segments(op.path);
    if (want.length !== got.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < want.length && ok; i++) {
      const m = /^\{(\w+)\}$/.exec(want[i]);
      if (m) params[m[1]] = got[i];
      else ok = want[i] === got[i];
    }
    if (ok) return { op, params };
  }
  return undefined;
}

function resolve(s: Schema): Exclude<Schema, { $ref: string }> {
  let cur = s;
  while ('$ref' in cur) {
    const next = DEFINITIONS[cur.$ref];
    if (!next) throw new Error(`no definition ${cur.$ref} in harbor-2.11-schemas.ts`);
    cur = next;
  }
  return cur;
}

/** Validates a JSON value against a schema; returns problems as "<where>: <what>". */
export function validate(value: unknown, schema: Schema, where: string): string[] {
  const s = resolve(schema);
  if (value === null)
    return s.nullable || s.type === 'object' ? [] : [`${where}: null where Harbor sends ${s.type}`];
  switch (s.type) {
    case 'string':
      if (typeof value !== 'string') return [`${where}: ${typeof value} where Harbor has a string`];
      if (s.format === 'date-time' && Number.isNaN(Date.parse(value)))
        return [`${where}: "${value}" is not a date-time`];
      if (s.enum && !s.enum.includes(value))
        return [`${where}: "${value}" is not one of ${s.enum.join(', ')}`];
      return [];
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value)
        ? []
        : [`${where}: ${JSON.stringify(value)} where Harbor has an integer`];
    case 'boolean':
      return typeof value === 'boolean'
        ? []
        : [`${where}: ${JSON.stringify(value)} where Harbor has a boolean`];
    case 'array':
      if (!Array.isArray(value)) return [`${where}: ${typeof value} where Harbor has an array`];
      return value.flatMap((v, i) => validate(v, s.items, `${where}[${i}]`));
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value))
        return [`${where}: ${Array.isArray(value) ? 'array' : typeof value} where Harbor has an object`];
      const o = value as Record<string, unknown>;
      const out: string[] = [];
      for (const r of s.required ?? []) if (!(r in o)) out.push(`${where}.${r}: required, missing`);
      for (const [k, v] of Object.entries(o)) {
        const prop = s.properties?.[k];
        if (prop) out.push(...validate(v, prop, `${where}.${k}`));
        else if (s.additionalProperties === true) continue;
        else if (s.additionalProperties) out.push(...validate(v, s.additionalProperties, `${where}.${k}`));
        else out.push(`${where}.${k}: not a field of Harbor 2.11's schema`);
      }
      return out;
    }
  }
}

function checkParam(p: ParamSpec, raw: string | undefined, where: string): string[] {
  if (raw === undefined) return p.required ? [`${where}: required ${p.in} parameter ${p.name} missing`] : [];
  if (p.type === 'integer') {
    if (!/^-?\d+$/.test(raw)) return [`${where}: ${p.in} ${p.name}=${raw} is not an integer`];
    const n = Number(raw);
    if (p.maximum !== undefined && n > p.maximum)
      return [`${where}: ${p.name}=${n} exceeds Harbor's maximum ${p.maximum}`];
    if (p.minimum !== undefined && n < p.minimum) return [`${where}: ${p.name}=${n} is below ${p.minimum}`];
  }
  if (p.type === 'boolean' && raw !== 'true' && raw !== 'false')
    return [`${where}: ${p.in} ${p.name}=${raw} is not a boolean`];
  return [];
}

/** Headers Harbor defines as parameters of some operation Berth calls (sent elsewhere, they mean nothing). */
const HARBOR_HEADER_PARAMS = new Set(
  OPERATIONS.flatMap((o) => o.params.filter((p) => p.in === 'header').map((p) => p.name.toLowerCase())),
);

export function checkExchange(ex: Exchange): {
  operation?: string;
  violations: string[];
  undeclared?: string;
} {
  const label = `${ex.method} ${ex.rawPath}`;
  const m = matchOperation(ex.method, ex.rawPath);
  if (!m) return { violations: [`${label}: not an operation of Harbor 2.11 that Berth uses`] };
  const { op, params } = m;
  const where = `${op.operationId} (${label})`;
  const v: string[] = [];

  // request: path, query and header parameters
  for (const p of op.params.filter((x) => x.in === 'path')) v.push(...checkParam(p, params[p.name], where));
  if (params.repository_name !== undefined) {
    // "If it contains slash, encode it twice over with URL encoding. e.g. a/b -> a%2Fb -> a%252Fb"
    const once = decodeURIComponent(params.repository_name);
    if (/%2F/i.test(params.repository_name) && !/%252F/i.test(params.repository_name))
      v.push(
        `${where}: repository_name with "/" is encoded once (${params.repository_name}); Harbor wants it twice`,
      );
    else if (once.includes('/') && !/%2F/i.test(once))
      v.push(`${where}: repository_name with "/" is not encoded`);
  }
  const declaredQuery = new Map(op.params.filter((p) => p.in === 'query').map((p) => [p.name, p]));
  for (const [k, val] of Object.entries(ex.query)) {
    const p = declaredQuery.get(k);
    if (!p) v.push(`${where}: query parameter ${k} is not one of this operation's`);
    else v.push(...checkParam(p, val, where));
  }
  for (const p of op.params.filter((x) => x.in === 'query' && x.required))
    if (!(p.name in ex.query)) v.push(`${where}: required query parameter ${p.name} missing`);
  const declaredHeaders = new Map(
    op.params.filter((p) => p.in === 'header').map((p) => [p.name.toLowerCase(), p]),
  );
  for (const [k, val] of Object.entries(ex.requestHeaders)) {
    const p = declaredHeaders.get(k.toLowerCase());
    if (p) v.push(...checkParam(p, val, where));
    else if (HARBOR_HEADER_PARAMS.has(k.toLowerCase()))
      v.push(`${where}: header ${k} is not a parameter of this operation`);
  }

  // request body
  if (op.body) {
    if (ex.requestBody === undefined) {
      if (op.body.required) v.push(`${where}: the request body is required`);
    } else v.push(...validate(ex.requestBody, op.body.schema, `${where} request`));
  } else if (ex.requestBody !== undefined) v.push(`${where}: sends a body the operation does not take`);

  // response
  let undeclared: string | undefined;
  const spec = op.responses[ex.status];
  if (!spec) {
    if (ex.status < 400) v.push(`${where}: answered ${ex.status}, which the operation does not declare`);
    else {
      undeclared = `${op.operationId} ${ex.status}`;
      v.push(...validate(ex.responseBody, { $ref: 'Errors' }, `${where} ${ex.status} answer`));
      if (ex.responseBody === undefined) v.push(`${where}: ${ex.status} answer without Harbor's Errors body`);
    }
  } else {
    if (spec.schema === null) {
      if (ex.responseBody !== undefined && ex.responseBody !== '')
        v.push(`${where}: ${ex.status} answer has a body; the operation declares none`);
    } else if (ex.responseBody === undefined) v.push(`${where}: ${ex.status} answer has no body`);
    else v.push(...validate(ex.responseBody, spec.schema, `${where} ${ex.status} answer`));
    for (const h of spec.headers ?? [])
      if (h === 'Location' || h === 'X-Total-Count')
        if (ex.responseHeaders[h.toLowerCase()] === undefined)
          v.push(`${where}: ${ex.status} answer lacks ${h}`);
  }
  return { operation: op.operationId, violations: v, undeclared };
}

export function checkExchanges(exchanges: Exchange[]): FidelityReport {
  const report: FidelityReport = { checked: 0, violations: [], undeclaredErrorStatuses: [], byOperation: {} };
  for (const ex of exchanges) {
    report.checked++;
    const r = checkExchange(ex);
    if (r.operation) report.byOperation[r.operation] = (report.byOperation[r.operation] ?? 0) + 1;
    report.violations.push(...r.violations);
    if (r.undeclared) report.undeclaredErrorStatuses.push(r.undeclared);
  }
  return report;
}

export function formatReport(r: FidelityReport): string {
  const undeclared = Object.entries(
    r.undeclaredErrorStatuses.reduce<Record<string, number>>(
      (acc, k) => ((acc[k] = (acc[k] ?? 0) + 1), acc),
      {},
    ),
  )
    .map(([k, n]) => `${k} ×${n}`)
    .join(', ');
  return [
    `Harbor 2.11 fidelity: ${r.checked} exchanges checked, ${r.violations.length} violations`,
    `  by operation: ${Object.entries(r.byOperation)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
    `  error statuses the swagger does not declare (bodies checked as Errors): ${undeclared || 'none'}`,
    ...r.violations.slice(0, 50).map((x) => `  ✗ ${x}`),
  ].join('\n');
}
