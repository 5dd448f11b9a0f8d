import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { raw } from '../helpers/raw-http.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { loadTestbed } from '../testbed/state.js';

/**
 * OpenAPI-driven fuzzing: for EVERY operation of the app's own /api/docs-json, hostile variants of
 * path parameters, query parameters and bodies, with and without an admin token. Every answer must be
 * below 500 (or a documented 502/503/504 of an unreachable upstream), enveloped and carry X-Request-Id;
 * the process must stay alive. New routes are covered because the document is iterated.
 */

type Schema = Record<string, any>;
interface Operation {
  method: string;
  path: string;
  params: { name: string; in: 'path' | 'query' | 'header'; required?: boolean; schema?: Schema }[];
  body?: Schema;
  documented: Set<number>;
  secured: boolean;
}
interface Variant {
  label: string;
  /** A status the answer must have, whoever sends it (e.g. 400 for a body nested too deep). */
  expect?: number;
  /** A status the answer must have when an admin sends it (validation runs after authentication). */
  expectAdmin?: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}
interface Finding {
  variant: string;
  status: number;
  problem: string;
  text: string;
}

const CONCURRENCY = 6;
const BODY_LIMIT = 4 * 1024 * 1024;
const HUGE_NUMBERS = [
  '1e20',
  '-1',
  'NaN',
  '99999999999999999999',
  '0',
  '-0',
  '1.5',
  'Infinity',
  '0x10',
  '',
  '%00',
  'a%00b',
];
const UPSTREAM_STATUSES = new Set([502, 503, 504]);

function resolve(doc: Schema, s: Schema | undefined, depth = 0): Schema | undefined {
  if (!s || depth > 20) return s;
  if (s.$ref)
    return resolve(
      doc,
      s.$ref
        .replace(/^#\//, '')
        .split('/')
        .reduce((o: any, k: string) => o?.[k], doc),
      depth + 1,
    );
  if (s.allOf)
    return s.allOf
      .map((x: Schema) => resolve(doc, x, depth + 1))
      .reduce((a: Schema, b: Schema) => merge(a, b ?? {}), {});
  return s;
}

function merge(a: Schema, b: Schema): Schema {
  return {
    ...a,
    ...b,
    properties: { ...(a.properties ?? {}), ...(b.properties ?? {}) },
    required: [...(a.required ?? []), ...(b.required ?? [])],
  };
}

/** A plausible value for a schema (valid-looking, so that hostile variants reach the deeper layers). */
function sample(doc: Schema, raw: Schema | undefined, depth = 0): unknown {
  const s = resolve(doc, raw);
  if (!s || depth > 6) return 'x';
  if (s.example !== undefined) return s.example;
  if (s.enum?.length) return s.enum[0];
  if (s.oneOf?.length || s.anyOf?.length) return sample(doc, (s.oneOf ?? s.anyOf)[0], depth + 1);
  switch (s.type) {
    case 'string':
      return s.format === 'uuid'
        ? randomUUID()
        : s.format === 'date-time'
          ? new Date().toISOString()
          : 'fuzz-value';
    case 'integer':
    case 'number':
      return s.minimum ?? 1;
    case 'boolean':
      return false;
    case 'array':
      return [sample(doc, s.items, depth + 1)];
    default: {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries<Schema>(s.properties ?? {})) out[k] = sample(doc, v, depth + 1);
      return out;
    }
  }
}

/** Every (path to an optional field, its schema) of an object schema, nested objects included. */
function fields(
  doc: Schema,
  raw: Schema | undefined,
  prefix: string[] = [],
  depth = 0,
): { path: string[]; schema: Schema; required: boolean }[] {
  const s = resolve(doc, raw);
  if (!s || depth > 4 || !s.properties) return [];
  const out: { path: string[]; schema: Schema; required: boolean }[] = [];
  for (const [k, v] of Object.entries<Schema>(s.properties)) {
    const sub = resolve(doc, v) ?? {};
    out.push({ path: [...prefix, k], schema: sub, required: (s.required ?? []).includes(k) });
    if (sub.properties || sub.$ref) out.push(...fields(doc, sub, [...prefix, k], depth + 1));
  }
  return out;
}

function setAt(obj: unknown, path: string[], value: unknown): unknown {
  const copy = structuredClone(obj) as Record<string, any>;
  let cur = copy;
  for (const k of path.slice(0, -1)) {
    if (typeof cur[k] !== 'object' || cur[k] === null) cur[k] = {};
    cur = cur[k];
  }
  cur[path[path.length - 1]] = value;
  return copy;
}

function without(obj: unknown, path: string[]): unknown {
  const copy = structuredClone(obj) as Record<string, any>;
  let cur = copy;
  for (const k of path.slice(0, -1)) {
    if (typeof cur[k] !== 'object' || cur[k] === null) return copy;
    cur = cur[k];
  }
  delete cur[path[path.length - 1]];
  return copy;
}

function wrongType(s: Schema): unknown[] {
  switch (s.type) {
    case 'string':
      return [12345, true, ['a'], { a: 1 }];
    case 'integer':
    case 'number':
      return ['12', 1e20, -1, 1.5, 1e300, Number.MAX_SAFE_INTEGER + 2, { a: 1 }];
    case 'boolean':
      return ['true', 1];
    case 'array':
      return ['a', { a: 1 }, [null], new Array(2000).fill('x')];
    default:
      return ['a', [], 1];
  }
}

function deep(n: number): string {
  return '['.repeat(n) + ']'.repeat(n);
}

function deepObject(n: number): string {
  return '{"a":'.repeat(n) + '1' + '}'.repeat(n);
}

function pathOf(op: Operation, override: Record<string, string> = {}): string {
  let p = op.path;
  for (const prm of op.params.filter((x) => x.in === 'path')) {
    const v =
      override[prm.name] ??
      (prm.schema?.format === 'uuid' || /(^|_)id$/.test(prm.name) ? randomUUID() : 'fuzz-name');
    p = p.replace(`{${prm.name}}`, v);
  }
  return p;
}

/** `fixed`: path parameters to keep (a real cluster id); `adjust`: makes the valid-looking body harmless. */
function variantsOf(
  doc: Schema,
  op: Operation,
  fixed: Record<string, string> = {},
  adjust: (body: unknown) => unknown = (b) => b,
): Variant[] {
  const out: Variant[] = [];
  const json = { 'content-type': 'application/json' };
  const bodyOf = (v: unknown) => JSON.stringify(v);
  const base = op.body ? adjust(sample(doc, op.body)) : undefined;
  const buildPath = (o: Operation, override: Record<string, string> = {}) =>
    pathOf(o, { ...fixed, ...override });
  const plain = (label: string, path: string, extra: Partial<Variant> = {}): Variant => ({
    label,
    method: op.method,
    path,
    headers: op.body ? { ...json } : {},
    body: op.body ? bodyOf(base) : undefined,
    ...extra,
  });

  out.push(plain('baseline', buildPath(op)));
  // path parameters
  for (const prm of op.params.filter((x) => x.in === 'path')) {
    for (const [label, value] of [
      ['junk', 'not-a-uuid'],
      ['10kB', 'a'.repeat(10_000)],
      ['%zz', '%zz'],
      ['%00', '%00'],
      ['%C0%AF', '%C0%AF'],
      ['dots', '..'],
      ['unicode', encodeURIComponent('ünïcødé-☃')],
      ['uuid-upper', randomUUID().toUpperCase()],
      ['uuid+junk', `${randomUUID()}%00`],
      ['huge-number', '99999999999999999999'],
    ] as const) {
      if (fixed[prm.name] && label !== 'junk' && label !== '%00') continue; // the real id: only a few

      out.push(plain(`path ${prm.name}=${label}`, buildPath(op, { [prm.name]: value })));
    }
  }
  // query parameters
  const path = buildPath(op);
  for (const prm of op.params.filter((x) => x.in === 'query')) {
    for (const value of HUGE_NUMBERS)
      out.push(plain(`query ${prm.name}=${value}`, `${path}?${prm.name}=${value}`));
    out.push(plain(`query ${prm.name}=10kB`, `${path}?${prm.name}=${'9'.repeat(10_000)}`));
    out.push(plain(`query ${prm.name} twice`, `${path}?${prm.name}=1&${prm.name}=2`));
    out.push(plain(`query ${prm.name}=%zz`, `${path}?${prm.name}=%zz`));
    out.push(plain(`query ${prm.name}[]`, `${path}?${prm.name}[a]=1`));
  }
  out.push(plain('query unknown', `${path}?__proto__=1&constructor=1`));
  // body-less requests with a JSON content type, and no content type at all
  out.push({ label: 'empty body + json content-type', method: op.method, path, headers: { ...json } });
  out.push({
    label: 'empty string body + json content-type',
    method: op.method,
    path,
    headers: { ...json },
    body: '',
  });
  const parsed = op.body ? 400 : undefined; // bodies are parsed (and refused) before authentication
  out.push({
    label: 'deep arrays',
    method: op.method,
    path,
    headers: { ...json },
    body: deep(10_000),
    expect: parsed,
  });
  out.push({
    label: 'deep objects',
    method: op.method,
    path,
    headers: { ...json },
    body: deepObject(10_000),
    expect: parsed,
  });
  out.push({
    label: 'NUL everywhere',
    method: op.method,
    path,
    headers: { ...json },
    body: JSON.stringify({ a: 'x\u0000y' }),
  });
  const media = op.body ? 415 : undefined;
  out.push({
    label: 'form body',
    method: op.method,
    path,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'a=1&b=2',
    expect: media,
  });
  out.push({
    label: 'text body',
    method: op.method,
    path,
    headers: { 'content-type': 'text/plain' },
    body: 'hello',
    expect: media,
  });
  out.push({
    label: 'xml body',
    method: op.method,
    path,
    headers: { 'content-type': 'application/xml' },
    body: '<a/>',
    expect: media,
  });
  out.push({
    label: 'bad charset',
    method: op.method,
    path,
    headers: { 'content-type': 'application/json; charset=utf-7' },
    body: '{}',
  });
  out.push({
    label: 'invalid utf-8',
    method: op.method,
    path,
    headers: { ...json },
    body: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
  });
  if (!op.body) return out;

  // body variants
  for (const raw of [
    'null',
    '[]',
    '"str"',
    '123',
    'true',
    '{',
    '{"a":1}{',
    '{"__proto__":{"x":1}}',
    '{"constructor":{"prototype":{"x":1}}}',
  ]) {
    out.push({ label: `body ${raw}`, method: op.method, path, headers: { ...json }, body: raw });
  }
  out.push({
    label: 'oversize body',
    method: op.method,
    path,
    headers: { ...json },
    body: JSON.stringify({ a: 'x'.repeat(BODY_LIMIT + 10) }),
  });
  for (const f of fields(doc, op.body)) {
    const name = f.path.join('.');
    // a required field left out is a validation error, never a 500 further in
    if (f.required)
      out.push({
        label: `missing ${name}`,
        method: op.method,
        path,
        headers: { ...json },
        body: bodyOf(without(base, f.path)),
        expectAdmin: 400,
      });
    // null for an optional field is refused unless the document says the field is nullable ("clear it")
    if (!f.required)
      out.push({
        label: `null ${name}`,
        method: op.method,
        path,
        headers: { ...json },
        body: bodyOf(setAt(base, f.path, null)),
        expectAdmin: f.schema.nullable ? undefined : 400,
      });
    else
      out.push({
        label: `null required ${name}`,
        method: op.method,
        path,
        headers: { ...json },
        body: bodyOf(setAt(base, f.path, null)),
      });
    for (const w of wrongType(f.schema)) {
      out.push({
        label: `wrong type ${name}=${JSON.stringify(w).slice(0, 20)}`,
        method: op.method,
        path,
        headers: { ...json },
        body: bodyOf(setAt(base, f.path, w)),
      });
    }
    if (f.schema.type === 'string') {
      out.push({
        label: `NUL in ${name}`,
        method: op.method,
        path,
        headers: { ...json },
        body: bodyOf(setAt(base, f.path, 'fuzz\u0000value')),
        expectAdmin: 400,
      });
      out.push({
        label: `deep in ${name}`,
        method: op.method,
        path,
        headers: { ...json },
        body: bodyOf(setAt(base, f.path, JSON.parse(deep(500)))),
      });
    }
  }
  return out;
}

/** The reasons an answer breaks Berth's contract; empty when it keeps it. */
function problemsOf(op: Operation, status: number, headers: Headers, text: string): string[] {
  const problems: string[] = [];
  if (status >= 500 && !(UPSTREAM_STATUSES.has(status) && op.documented.has(status)))
    problems.push(`status ${status}`);
  const rid = headers.get('x-request-id');
  if (!rid) problems.push('no X-Request-Id header');
  if (op.path === '/metrics' && status === 200) return problems;
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    problems.push('body is not JSON');
    return problems;
  }
  if (
    typeof body !== 'object' ||
    body === null ||
    typeof body.code !== 'number' ||
    typeof body.message !== 'string' ||
    !('data' in body)
  ) {
    problems.push('not the envelope');
  } else if (status >= 400 && body.request_id !== rid) {
    problems.push('error without matching request_id');
  }
  return problems;
}

async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

/** One request through node:http (fetch cannot send a body with GET or DELETE). */
function send(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string | Buffer,
): Promise<{ status: number; headers: Headers; text: string }> {
  return new Promise((resolvePromise, reject) => {
    // node:http sends a GET body unframed unless told its length
    const framed =
      body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) };
    const req = http.request(base + path, { method, headers: framed, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers))
          if (v !== undefined) h.set(k, [v].flat().join(', '));
        resolvePromise({
          status: res.statusCode ?? 0,
          headers: h,
          text: Buffer.concat(chunks).toString('utf8'),
        });
      });
    });
    req.setTimeout(30_000, () => req.destroy(new Error('timed out after 30 s')));
    req.on('error', reject);
    req.end(body);
  });
}

describe('OpenAPI-driven fuzzing: no input gives a 500, an unenveloped answer or a dead process (e2e)', () => {
  let t: TestApp;
  let doc: Schema;
  let operations: Operation[];

  beforeAll(async () => {
    t = await startTestApp({ env: { BERTH_LOGIN_MAX_ATTEMPTS: '1000' } });
    doc = (await t.api('GET', '/api/docs-json')).body;
    operations = [];
    for (const [path, item] of Object.entries<Schema>(doc.paths)) {
      for (const [method, o] of Object.entries<Schema>(item)) {
        if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
        const params = [...(item.parameters ?? []), ...(o.parameters ?? [])].map(
          (p: Schema) => resolve(doc, p) as Operation['params'][number],
        );
        const body = o.requestBody
          ? resolve(doc, o.requestBody)?.content?.['application/json']?.schema
          : undefined;
        operations.push({
          method: method.toUpperCase(),
          path,
          params,
          body,
          documented: new Set(Object.keys(o.responses ?? {}).map(Number)),
          secured: (o.security ?? doc.security ?? []).length > 0,
        });
      }
    }
  });
  afterAll(async () => {
    agent.destroy();
    await t?.close();
  });

  /** Sends every variant of every operation (admin and anonymous), checks each answer and that Berth lives. */
  async function fuzz(
    ops: Operation[],
    fixed: Record<string, string> = {},
    adjust?: (body: unknown) => unknown,
  ) {
    const findings: Finding[] = [];
    const statuses: Record<number, number> = {};
    let sent = 0;
    let token = await t.login();
    const started = Date.now();
    for (const op of ops) {
      const variants = variantsOf(doc, op, fixed, adjust);
      const jobs = [
        ...variants.map((v) => ({ v, auth: true })),
        ...variants.map((v) => ({ v, auth: false })),
      ];
      await pool(jobs, CONCURRENCY, async ({ v, auth }) => {
        const headers: Record<string, string> = { ...v.headers };
        if (auth) headers.authorization = `Bearer ${token}`;
        const label = `${auth ? 'admin' : 'anonymous'} ${v.method} ${op.path} [${v.label}]`;
        sent++;
        let res: { status: number; headers: Headers; text: string };
        try {
          res = await send(t.url, v.method, v.path, headers, v.body);
        } catch (e) {
          // an oversize body may be refused (413) while it is still being sent: the socket is reset
          if (v.label === 'oversize body') return;
          findings.push({
            variant: label,
            status: 0,
            problem: `request failed: ${(e as Error).message}`,
            text: '',
          });
          return;
        }
        const text = res.text;
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        if (process.env.FUZZ_TRACE && res.status === Number(process.env.FUZZ_TRACE))
          console.log(label, text.slice(0, 300));
        const expected = v.expect ?? (auth ? v.expectAdmin : undefined);
        // a body-less request with a JSON content type is "no body": an anonymous one meets authentication
        const anonymousEmpty = !auth && op.secured && v.label.startsWith('empty') ? 401 : undefined;
        const want = expected ?? anonymousEmpty;
        if (want !== undefined && res.status !== want)
          findings.push({
            variant: label,
            status: res.status,
            problem: `expected ${want}`,
            text: text.slice(0, 300),
          });
        for (const problem of problemsOf(op, res.status, res.headers, text))
          findings.push({ variant: label, status: res.status, problem, text: text.slice(0, 300) });
      });
      const health = await t.api('GET', '/healthz');
      if (health.status !== 200) throw new Error(`Berth died after fuzzing ${op.method} ${op.path}`);
      // logout (and changes to the admin) may end the token: take a fresh one for the next operation
      if ((await t.api('GET', '/api/v1/auth/me', { token })).status !== 200) token = await t.login();
    }
    const seconds = (Date.now() - started) / 1000;
    const fiveHundreds = findings.filter((f) => f.status >= 500).length;
    const unenveloped = findings.filter((f) =>
      /envelope|X-Request-Id|request_id|JSON/.test(f.problem),
    ).length;
    const what = fixed.id ? ` on a real cluster` : '';
    console.log(
      `fuzz${what}: ${ops.length} operations, ${sent} requests in ${seconds.toFixed(1)} s; ${fiveHundreds} × 5xx, ${unenveloped} unenveloped, ${findings.length} findings in all; statuses ${JSON.stringify(statuses)}`,
    );
    if (process.env.FUZZ_FINDINGS)
      (await import('node:fs')).writeFileSync(
        `${process.env.FUZZ_FINDINGS}${fixed.id ? '.real' : ''}`,
        JSON.stringify(findings, null, 1),
      );
    return findings;
  }

  it('fuzzes every documented operation, authenticated and not', async () => {
    expect(operations.length).toBeGreaterThan(50);
    const findings = await fuzz(operations);
    expect(findings.slice(0, 40)).toEqual([]);
  }, 300_000);

  const withTestbed = process.env.BERTH_TESTBED === 'off' ? it.skip : it;
  withTestbed(
    'fuzzes every cluster operation against a real imported testbed cluster',
    async () => {
      const [cluster] = loadTestbed();
      const admin = await t.login();
      const imported = await t.api('POST', '/api/v1/clusters/import', {
        token: admin,
        body: { name: 'fuzz-real', kubeconfig: readFileSync(cluster.kubeconfig_path, 'utf8') },
      });
      expect(imported.status).toBe(201);
      const id = imported.body.data.id as string;
      const marker = `fuzz-${randomUUID().slice(0, 8)}`;
      // valid-looking bodies must not change the shared testbed: apply is a dry run, created names are ours
      const adjust = (body: unknown) => {
        if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
        const b = { ...(body as Record<string, unknown>) };
        if ('dry_run' in b) b.dry_run = true;
        if ('name' in b) b.name = marker;
        return b;
      };
      // detaching the record last, so that every other operation meets the real cluster
      const ops = operations
        .filter((o) => o.path.startsWith('/api/v1/clusters/{id}') || o.path.startsWith('/api/v1/fleet'))
        .sort(
          (a, b) =>
            Number(a.method === 'DELETE' && a.path === '/api/v1/clusters/{id}') -
            Number(b.method === 'DELETE' && b.path === '/api/v1/clusters/{id}'),
        );
      expect(ops.length).toBeGreaterThan(30);
      try {
        const findings = await fuzz(ops, { id }, adjust);
        expect(findings.slice(0, 40)).toEqual([]);
      } finally {
        // the namespace a valid-looking create may have made is removed through a (re)attached record
        const token = await t.login();
        const again =
          (await t.api('GET', `/api/v1/clusters/${id}`, { token })).status === 200
            ? id
            : ((
                await t.api('POST', '/api/v1/clusters/import', {
                  token,
                  body: { name: 'fuzz-cleanup', kubeconfig: readFileSync(cluster.kubeconfig_path, 'utf8') },
                })
              ).body?.data?.id as string | undefined);
        if (again) {
          await t.api('DELETE', `/api/v1/clusters/${again}/resources/namespaces/${marker}`, { token });
          await t.api('DELETE', `/api/v1/clusters/${again}`, { token });
        }
      }
    },
    300_000,
  );

  it('answers what Node’s HTTP parser or Fastify refuses (raw bytes, huge header, long or bad URLs) enveloped', async () => {
    const cases: [string, Buffer | string][] = [
      [
        'raw bytes in the request line',
        Buffer.concat([
          Buffer.from('GET /api/v1/\x01\x7f'),
          Buffer.from([0xff, 0xfe]),
          Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n'),
        ]),
      ],
      ['garbage instead of HTTP', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n'],
      ['100 kB header', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`],
      ['bad header name', 'GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n'],
      ['bad content-length', 'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n'],
      [
        'long path param',
        `GET /api/v1/users/${'a'.repeat(10_000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      ],
      ['bad percent-encoding', 'GET /api/v1/users/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
      [
        'bad percent-encoding in the query',
        'GET /api/v1/users?page=%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      ],
    ];
    const found: string[] = [];
    for (const [label, bytes] of cases) {
      const res = await raw(t.url, bytes);
      let body: any;
      try {
        body = JSON.parse(res.body);
      } catch {
        found.push(`${label}: not JSON (${res.raw.slice(0, 200)})`);
        continue;
      }
      if (res.status < 400 || res.status >= 500) found.push(`${label}: status ${res.status}`);
      if (!res.headers['x-request-id']) found.push(`${label}: no X-Request-Id`);
      if (
        typeof body.code !== 'number' ||
        typeof body.message !== 'string' ||
        !('data' in body) ||
        body.request_id !== res.headers['x-request-id']
      ) {
        found.push(`${label}: not the envelope (${res.body.slice(0, 200)})`);
      }
    }
    expect(found).toEqual([]);
    expect((await t.api('GET', '/healthz')).status).toBe(200);
  });
});
