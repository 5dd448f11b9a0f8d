import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

/**
 * The OpenAPI document is the contract: every response the test helper `api()` receives is checked
 * against the schema documented for its operation (method + path template) and status. A status the
 * operation does not document, a content type it does not declare, a missing documented header or a JSON
 * body that does not fit its schema is a violation, and the request fails the test.
 */

type Json = Record<string, any>;

interface Operation {
  method: string;
  template: string;
  regex: RegExp;
  /** Literal segments first: `/pods` beats `/{kind}` when both match. */
  rank: number[];
  responses: Json;
  pointer: string;
}

export interface ContractResult {
  checked: boolean;
  operation?: string;
  violations: string[];
}

type AddFormats = (ajv: Ajv) => Ajv;
const addFormats: AddFormats =
  (addFormatsModule as unknown as { default?: AddFormats }).default ??
  (addFormatsModule as unknown as AddFormats);

/** OpenAPI 3.0 schema objects → JSON Schema (nullable, no examples), recursively over the document. */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node as Json)) {
    if (k === 'example' || k === 'examples' || k === 'xml' || k === 'externalDocs') continue;
    if (k === 'discriminator' && v && typeof v === 'object') {
      // ajv reads propertyName only; the mapping is implied by each branch's const/enum.
      out[k] = { propertyName: (v as Json).propertyName };
      continue;
    }
    out[k] = toJsonSchema(v);
  }
  if (out.nullable === true) {
    delete out.nullable;
    if (typeof out.type === 'string' && !out.allOf && !out.oneOf && !out.anyOf && !out.$ref) {
      out.type = [out.type, 'null'];
      if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
      return out;
    }
    return { anyOf: [out, { type: 'null' }] };
  } else if (out.nullable === false) delete out.nullable;
  return out;
}

const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

class Contract {
  private readonly ajv: Ajv;
  private readonly operations: Operation[] = [];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(doc: Json) {
    this.ajv = new Ajv({ strict: false, allErrors: true, discriminator: true, validateFormats: true });
    addFormats(this.ajv);
    for (const f of ['int32', 'int64', 'float', 'double', 'byte', 'binary', 'password'])
      this.ajv.addFormat(f, true);
    this.ajv.addSchema(toJsonSchema(doc) as Json, 'doc');
    for (const [template, item] of Object.entries<Json>(doc.paths ?? {})) {
      const segments = template.split('/');
      const regex = new RegExp(
        '^' +
          segments
            .map((s) => (/^\{[^}]+\}$/.test(s) ? '[^/]+' : s.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
            .join('/') +
          '$',
      );
      const rank = segments.map((s) => (s.startsWith('{') ? 1 : 0));
      for (const method of ['get', 'put', 'post', 'delete', 'patch', 'head', 'options']) {
        const op = item[method];
        if (!op) continue;
        this.operations.push({
          method: method.toUpperCase(),
          template,
          regex,
          rank,
          responses: op.responses ?? {},
          pointer: `#/paths/${escapePointer(template)}/${method}/responses`,
        });
      }
    }
  }

  private match(method: string, path: string): Operation | undefined {
    const candidates = this.operations.filter((o) => o.method === method && o.regex.test(path));
    candidates.sort((a, b) => {
      for (let i = 0; i < Math.max(a.rank.length, b.rank.length); i++) {
        const d = (a.rank[i] ?? 0) - (b.rank[i] ?? 0);
        if (d) return d;
      }
      return 0;
    });
    return candidates[0];
  }

  private validator(pointer: string): ValidateFunction {
    let v = this.validators.get(pointer);
    if (!v) {
      v = this.ajv.compile({ $ref: `doc${pointer}` });
      this.validators.set(pointer, v);
    }
    return v;
  }

  check(
    method: string,
    rawPath: string,
    status: number,
    headers: Headers,
    text: string,
    opts: { body?: boolean } = {},
  ): ContractResult {
    const readBody = opts.body ?? true;
    const path = rawPath.split('?')[0].split('#')[0];
    const op = this.match(method.toUpperCase(), path);
    if (!op) return { checked: false, violations: [] };
    const name = `${op.method} ${op.template} → ${status}`;
    const violations: string[] = [];
    const key = op.responses[String(status)]
      ? String(status)
      : op.responses[`${String(status)[0]}XX`]
        ? `${String(status)[0]}XX`
        : op.responses.default
          ? 'default'
          : undefined;
    if (!key) {
      violations.push(
        `status ${status} is not documented (documented: ${Object.keys(op.responses).join(', ')})`,
      );
      return { checked: true, operation: name, violations };
    }
    const response: Json = op.responses[key];
    for (const [h, spec] of Object.entries<Json>(response.headers ?? {})) {
      if (spec.required && !headers.has(h)) violations.push(`documented header ${h} is missing`);
    }
    const content: Json = response.content ?? {};
    const types = Object.keys(content);
    const contentType = (headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (!types.length) {
      if (text.length || (!readBody && contentType))
        violations.push(`no content is documented, got ${contentType || 'a body'}`);
      return { checked: true, operation: name, violations };
    }
    const documented = types.find((t) => t.toLowerCase() === contentType);
    if (!documented) {
      violations.push(`content type "${contentType}" is not documented (documented: ${types.join(', ')})`);
      return { checked: true, operation: name, violations };
    }
    if (readBody && /[/+]json$/.test(contentType) && content[documented].schema) {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        violations.push('the body is not JSON');
        return { checked: true, operation: name, violations };
      }
      const validate = this.validator(
        `${op.pointer}/${escapePointer(key)}/content/${escapePointer(documented)}/schema`,
      );
      if (!validate(body)) {
        for (const e of validate.errors ?? [])
          violations.push(`${e.instancePath || '(root)'} ${e.message}${paramsText(e.params)}`);
      }
    }
    return { checked: true, operation: name, violations };
  }
}

function paramsText(params: Json): string {
  const interesting = Object.entries(params).filter(([, v]) => v !== undefined);
  return interesting.length ? ` ${JSON.stringify(Object.fromEntries(interesting))}` : '';
}

const contracts = new Map<string, Contract>();

/** One compiled contract per distinct document (apps of one worker usually share it). */
export function contractFor(docText: string): Contract {
  const hash = createHash('sha256').update(docText).digest('hex');
  let c = contracts.get(hash);
  if (!c) {
    c = new Contract(JSON.parse(docText));
    contracts.set(hash, c);
  }
  return c;
}

// ── Counters across the run: one file per worker, summed by the global teardown. ──

export const CONTRACT_DIR_ENV = 'BERTH_CONTRACT_DIR';

const counters = { validated: 0, skipped: 0, violations: 0, failures: [] as string[] };
// Jest loads this module afresh for every spec file: one counter file per module instance.
const counterFile = `counts-${process.pid}-${createHash('sha256').update(`${Math.random()}${Date.now()}`).digest('hex').slice(0, 12)}.json`;

export function record(result: ContractResult, label: string): void {
  if (!result.checked) counters.skipped++;
  else counters.validated++;
  if (result.violations.length) {
    counters.violations++;
    if (counters.failures.length < 200) counters.failures.push(`${label}: ${result.violations.join('; ')}`);
  }
  const dir = process.env[CONTRACT_DIR_ENV];
  if (!dir) return;
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, counterFile), JSON.stringify(counters));
  } catch {
    /* counting must never fail a test */
  }
}

export function newContractDir(): string {
  return join(tmpdir(), `berth-contract-${process.pid}-${Date.now()}`);
}
