import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { startAllSimulators } from '../simulators/index.js';
import type { RunningSimulator } from '../simulators/common/types.js';
import { simCredential } from '../helpers/providers.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

type Schema = Record<string, any>;
interface BodyOp {
  params: Schema[];
  method: string;
  path: string;
  id: string;
  examples: Record<string, { summary?: string; value: Record<string, unknown> }>;
}

const VALIDATION_FAILED = 40001;

/**
 * Every request example of the app's own OpenAPI document passes the app's validation when it is sent
 * (what Swagger "Try it out" sends), and the document's other examples are honest: one error example
 * per status, no example values on query filters.
 */
describe('OpenAPI examples work when executed (e2e)', () => {
  let t: TestApp;
  let token: string;
  let doc: Schema;
  let ops: BodyOp[];
  let sims: RunningSimulator[];

  beforeAll(async () => {
    sims = await startAllSimulators();
    // Imports of the examples' (unreachable) servers fail fast.
    t = await startTestApp({ env: { BERTH_KUBE_TIMEOUT_MS: '1000' } });
    token = await t.login();
    doc = (await t.api('GET', '/api/docs-json')).body;
    ops = [];
    for (const [path, item] of Object.entries<Schema>(doc.paths))
      for (const [method, o] of Object.entries<Schema>(item)) {
        if (!o.requestBody) continue;
        ops.push({
          params: o.parameters ?? [],
          method: method.toUpperCase(),
          path,
          id: o.operationId,
          examples: o.requestBody.content?.['application/json']?.examples ?? {},
        });
      }
  });
  afterAll(async () => {
    await t?.close();
    await Promise.allSettled((sims ?? []).map((s) => s.close()));
  });

  /** A path with every parameter filled (ids that exist nowhere, names and enums that are valid). */
  const fill = (op: BodyOp) =>
    op.path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const schema = op.params.find((p) => p.in === 'path' && p.name === name)?.schema ?? {};
      const value = schema.enum?.[0] ?? (/(^|_)id$/.test(name) ? randomUUID() : 'example');
      return encodeURIComponent(String(value));
    });

  it('documents at least one example for every request body', () => {
    expect(ops.length).toBeGreaterThan(15);
    expect(ops.filter((o) => Object.keys(o.examples).length === 0).map((o) => o.id)).toEqual([]);
  });

  it('every request example passes validation (never 400 / 40001), where a broken body is refused with 40001', async () => {
    // The examples' references (credential_id, registry_id) point at records of this app.
    const harbor = sims.find((s) => s.vendor === 'harbor')!;
    const harborCredential = await simCredential(t, token, harbor, 'refs-harbor');
    const registry = await t.api('POST', '/api/v1/registries', {
      token,
      body: {
        name: 'refs-harbor',
        provider: 'harbor',
        endpoint: harbor.url,
        credential_id: harborCredential,
      },
    });
    expect(registry.status).toBe(201);
    const clusterCredentials: Record<string, string> = {};
    for (const vendor of ['ack', 'tke', 'rancher'])
      clusterCredentials[vendor] = await simCredential(
        t,
        token,
        sims.find((s) => s.vendor === vendor)!,
        `refs-${vendor}`,
      );
    const withRefs = (op: BodyOp, value: Record<string, unknown>) => {
      const v = { ...value };
      if ('credential_id' in v)
        v.credential_id =
          op.id === 'createCluster' ? clusterCredentials[String(v.provider)] : harborCredential;
      if ('registry_id' in v) v.registry_id = registry.body.data.id;
      return v;
    };
    const results: string[] = [];
    for (const op of ops) {
      const path = fill(op);
      // The control: the same route refuses an invalid body with 40001, so not-40001 below means "valid".
      const control = await t.api(op.method, path, { token, body: { __not_a_field__: 1 } });
      expect([op.id, control.status, control.body?.code]).toEqual([op.id, 400, VALIDATION_FAILED]);
      for (const [name, ex] of Object.entries(op.examples)) {
        const res = await t.api(op.method, path, { token, body: withRefs(op, ex.value) });
        results.push(`${op.id}/${name}: ${res.status} ${res.body?.code}`);
        if (res.status === 400)
          throw new Error(`${op.id} example ${name} is refused: ${JSON.stringify(res.body)}`);
        // A kubeconfig example Berth refuses to read (42201) would not work either.
        if (res.body?.code === 42201)
          throw new Error(`${op.id} example ${name}: kubeconfig refused: ${JSON.stringify(res.body)}`);
      }
    }
    expect(results.length).toBeGreaterThanOrEqual(ops.length);
  }, 120_000);

  it('every credential example is stored as it is (201), one per provider', async () => {
    const op = ops.find((o) => o.id === 'createCredential')!;
    const providers = Object.keys(op.examples);
    expect(providers.sort()).toEqual(['ack', 'harbor', 'rancher', 'tke']);
    for (const [provider, ex] of Object.entries(op.examples)) {
      expect(ex.value.provider).toBe(provider);
      const res = await t.api('POST', '/api/v1/credentials', {
        token,
        body: { ...ex.value, name: `example-${provider}` },
      });
      expect([provider, res.status]).toEqual([provider, 201]);
    }
  });

  it('every vendor cluster example is accepted (202 operation) with a credential of its provider', async () => {
    const op = ops.find((o) => o.id === 'createCluster')!;
    expect(Object.keys(op.examples).sort()).toEqual(['ack', 'rancher', 'tke']);
    for (const [provider, ex] of Object.entries(op.examples)) {
      const sim = sims.find((s) => s.vendor === provider)!;
      const credentialId = await simCredential(t, token, sim, `sim-${provider}`);
      const res = await t.api('POST', '/api/v1/clusters', {
        token,
        // Its own name: the validation test above may have created the example's cluster already.
        body: { ...ex.value, name: `${String(ex.value.name)}-again`, credential_id: credentialId },
      });
      expect([provider, res.status, res.body.code]).toEqual([provider, 202, 0]);
    }
  });

  it('the import examples are exclusive: kubeconfig or server + token, never both', () => {
    const op = ops.find((o) => o.id === 'importCluster')!;
    const values = Object.values(op.examples).map((e) => e.value);
    expect(values.length).toBe(2);
    for (const v of values) expect('kubeconfig' in v !== ('server' in v && 'token' in v)).toBe(true);
  });

  it('gives each error status its own example whose code belongs to that status', () => {
    const seen = new Map<string, Set<string>>();
    for (const item of Object.values<Schema>(doc.paths))
      for (const o of Object.values<Schema>(item))
        for (const [status, r] of Object.entries<Schema>(o.responses ?? {})) {
          if (!/^[45]/.test(status)) continue;
          const ex = r.content?.['application/json']?.example;
          expect([o.operationId, status, ex === undefined]).toEqual([o.operationId, status, false]);
          expect([o.operationId, status, String(ex.code).slice(0, 3)]).toEqual([
            o.operationId,
            status,
            status,
          ]);
          if (!seen.has(status)) seen.set(status, new Set());
          seen.get(status)!.add(ex.message);
        }
    const messages = [...seen.values()].map((s) => [...s][0]);
    expect(new Set(messages).size).toBe(messages.length);
    // The validation error example shows the shape clients parse.
    const bad = doc.paths['/api/v1/clusters'].post.responses['400'].content['application/json'].example;
    expect(bad.data.fields[0]).toEqual({ field: expect.any(String), errors: [expect.any(String)] });
  });

  it('puts no example values on query parameters (filters)', () => {
    const withExample: string[] = [];
    for (const [path, item] of Object.entries<Schema>(doc.paths))
      for (const [method, o] of Object.entries<Schema>(item))
        for (const p of o.parameters ?? [])
          if (p.in === 'query' && (p.example !== undefined || p.examples || p.schema?.example !== undefined))
            withExample.push(`${method} ${path} ?${p.name}`);
    expect(withExample).toEqual([]);
  });
});
