import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Ajv } from 'ajv';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import addFormatsModule from 'ajv-formats';
import { loadConfig } from '../../src/config/load-config.js';
import { startAllSimulators } from '../simulators/index.js';
import type { RunningSimulator } from '../simulators/common/types.js';
import { simCredential } from '../helpers/providers.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

type Schema = Record<string, any>;
const run = promisify(execFile);
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** The OpenAPI document is a contract a person can read and a generator can trust (issue 15). */
describe('OpenAPI document: names, tags, servers and per-provider schemas (e2e)', () => {
  let t: TestApp;
  let token: string;
  let doc: Schema;
  let sims: RunningSimulator[];
  let ajv: Ajv;
  const validate = (schema: string, value: unknown) => {
    const v = ajv.getSchema(`doc#/components/schemas/${schema}`)!;
    return v(value) ? [] : (v.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  };
  const ops = () =>
    Object.entries<Schema>(doc.paths).flatMap(([path, item]) =>
      Object.entries<Schema>(item).map(([method, o]) => ({ path, method, o })),
    );

  beforeAll(async () => {
    sims = await startAllSimulators();
    t = await startTestApp({ env: { BERTH_PUBLIC_URL: 'https://berth.example.org/' } });
    token = await t.login();
    doc = (await t.api('GET', '/api/docs-json')).body;
    ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ ...doc, $id: 'doc' });
  });
  afterAll(async () => {
    await t?.close();
    await Promise.allSettled((sims ?? []).map((s) => s.close()));
  });

  it('names operations for people: unique camelCase ids, never a controller name', () => {
    const ids = ops().map(({ o }) => o.operationId as string);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => !/^[a-z][a-zA-Z]+$/.test(id) || /Controller/.test(id))).toEqual([]);
    const id = (method: string, path: string) => doc.paths[path][method].operationId;
    expect(id('get', '/api/v1/clusters')).toBe('listClusters');
    expect(id('get', '/api/v1/clusters/{id}')).toBe('getCluster');
    expect(id('post', '/api/v1/clusters/import')).toBe('importCluster');
    expect(id('get', '/api/v1/clusters/{id}/namespaces/{ns}/pods/{name}/logs')).toBe('getPodLogs');
    expect(id('get', '/api/v1/clusters/{id}/node-pools')).toBe('listNodePools');
    expect(id('post', '/api/v1/credentials')).toBe('createCredential');
  });

  it('orders tags along a user’s path, each described, node routes in one tag', () => {
    const names = (doc.tags as { name: string; description: string }[]).map((x) => x.name);
    expect(names).toEqual([
      'auth',
      'clusters',
      'live resources',
      'live sessions',
      'kubectl through Berth',
      'fleet',
      'nodes',
      'node pools',
      'registries',
      'registry contents',
      'image pull secrets',
      'operations',
      'users',
      'access',
      'tokens',
      'credentials',
      'secrets',
      'audit',
      'health',
    ]);
    expect(doc.tags.filter((x: Schema) => !x.description)).toEqual([]);
    const used = new Set(ops().flatMap(({ o }) => o.tags as string[]));
    expect([...used].filter((x) => !names.includes(x))).toEqual([]);
    const nodeRoutes = ops().filter(({ path }) => /\/clusters\/\{id\}\/nodes(\/|$)/.test(path));
    expect(nodeRoutes.length).toBeGreaterThanOrEqual(5);
    expect(new Set(nodeRoutes.map(({ o }) => o.tags.join(',')))).toEqual(new Set(['nodes']));
  });

  it('takes servers from BERTH_PUBLIC_URL (default "/"), and states a licence', () => {
    expect(doc.servers).toEqual([{ url: 'https://berth.example.org/', description: expect.any(String) }]);
    expect(loadConfig({ ...process.env, BERTH_PUBLIC_URL: undefined }).public_url).toBe('/');
    expect(() => loadConfig({ ...process.env, BERTH_PUBLIC_URL: 'ftp://x' })).toThrow(/public_url/);
    expect(doc.info.license.name).toMatch(/Proprietary/);
  });

  it('describes every operation, with the role it needs', () => {
    expect(
      ops()
        .filter(({ o }) => !o.description)
        .map(({ o }) => o.operationId),
    ).toEqual([]);
    const createCluster = doc.paths['/api/v1/clusters'].post;
    expect(createCluster['x-berth-role']).toBe('cluster-admin');
    expect(createCluster['x-berth-verb']).toBe('clusters.manage');
    expect(createCluster.description).toContain('**cluster-admin** role');
    expect(createCluster.description).toContain('**clusters.manage**');
    expect(doc.paths['/api/v1/credentials'].post['x-berth-role']).toBe('admin');
    expect(doc.paths['/api/v1/clusters/{id}/namespaces/{ns}/pods'].get['x-berth-scope']).toBe('namespace');
    expect(doc.paths['/api/v1/auth/login'].post.description).toContain('Public');
    const secured = ops().filter(({ o }) => o.security.length > 0);
    expect(secured.filter(({ o }) => !o['x-berth-role']).map(({ o }) => o.operationId)).toEqual([]);
  });

  it('describes every parameter and every schema property', () => {
    const params = ops().flatMap(({ o }) =>
      (o.parameters ?? [])
        .filter((p: Schema) => !p.description)
        .map((p: Schema) => `${o.operationId} ${p.name}`),
    );
    expect(params).toEqual([]);
    const props = Object.entries<Schema>(doc.components.schemas).flatMap(([name, s]) =>
      Object.entries<Schema>(s.properties ?? {})
        .filter(([, p]) => !p.description)
        .map(([k]) => `${name}.${k}`),
    );
    expect(props).toEqual([]);
  });

  it('documents /metrics as Prometheus text, not JSON', () => {
    const ok = doc.paths['/metrics'].get.responses['200'];
    expect(Object.keys(ok.content)).toEqual(['text/plain']);
    expect(ok.content['text/plain'].schema).toEqual({ type: 'string' });
  });

  it('marks public routes as needing no token and protected ones as bearer', () => {
    expect(doc.paths['/api/v1/auth/login'].post.security).toEqual([]);
    expect(doc.paths['/healthz'].get.security).toEqual([]);
    expect(doc.paths['/api/v1/clusters'].get.security).toEqual([{ bearer: [] }]);
  });

  it('discriminates credentials by provider: each vendor’s settings and secrets', () => {
    const s = doc.components.schemas;
    expect(s.CreateCredentialDto.discriminator.propertyName).toBe('provider');
    expect(Object.keys(s.CreateCredentialDto.discriminator.mapping).sort()).toEqual([
      'ack',
      'harbor',
      'rancher',
      'tke',
    ]);
    expect(s.CreateTkeCredential.properties.settings.allOf).toEqual([
      { $ref: '#/components/schemas/TkeSettings' },
    ]);
    expect(s.CreateTkeCredential.properties.secrets.allOf).toEqual([
      { $ref: '#/components/schemas/TkeSecrets' },
    ]);
    expect(s.CreateTkeCredential.properties.provider.enum).toEqual(['tke']);
    // The runtime rules are in the schemas: patterns and lengths.
    expect(s.TkeSecrets.properties.secret_id.pattern).toBe('^[A-Za-z0-9]{8,128}$');
    expect(s.TkeSecrets.properties.secret_key).toMatchObject({ minLength: 8, maxLength: 256 });
    expect(s.RancherSecrets.properties.token.pattern).toBeDefined();
    expect(JSON.stringify(doc).match(/"pattern":/g)!.length).toBeGreaterThan(30);
    // Each vendor's example validates against its own member, and not against another's.
    for (const p of ['ack', 'tke', 'rancher', 'harbor']) {
      const member = `Create${p[0].toUpperCase()}${p.slice(1)}Credential`;
      expect([p, validate(member, s[member].example)]).toEqual([p, []]);
    }
    expect(validate('CreateTkeCredential', s.CreateAckCredential.example)).not.toEqual([]);
  });

  it('discriminates vendor cluster specs by provider, with the fields each vendor needs', () => {
    const s = doc.components.schemas;
    expect(s.CreateClusterDto.discriminator.propertyName).toBe('provider');
    expect(Object.keys(s.CreateClusterDto.discriminator.mapping).sort()).toEqual(['ack', 'rancher', 'tke']);
    expect(s.TkeClusterSpec.required).toEqual(expect.arrayContaining(['vpc_id', 'pod_cidr']));
    expect(s.RancherClusterSpec.required).toEqual(
      expect.arrayContaining(['kubernetes_version', 'node_pools']),
    );
    expect(s.RancherClusterSpec.properties.kubernetes_version.pattern).toBeDefined();
    expect(s.RancherNodePoolSpec.required).toEqual(expect.arrayContaining(['machine_config']));
    // ACK needs its VPC and vSwitches, and instance types for each pool (issue 14, defect 10).
    expect(s.AckClusterSpec.required).toEqual(['vpc_id', 'subnet_ids']);
    expect(s.AckNodePoolSpec.required).toEqual(expect.arrayContaining(['instance_types']));
    for (const p of ['Ack', 'Tke', 'Rancher'])
      expect([p, validate(`Create${p}Cluster`, s[`Create${p}Cluster`].example)]).toEqual([p, []]);
  });

  it('gives a generated client per-provider types: a TKE create without vpc_id does not compile', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-client-'));
    try {
      writeFileSync(join(dir, 'openapi.json'), JSON.stringify(doc));
      await run(
        'node_modules/.bin/openapi-typescript',
        [join(dir, 'openapi.json'), '-o', join(dir, 'schema.d.ts'), '--default-non-nullable=false'],
        { timeout: 120_000 },
      );
      writeFileSync(
        join(dir, 'use.ts'),
        [
          "import type { components } from './schema.js';",
          "type Create = components['schemas']['CreateClusterDto'];",
          "type Credential = components['schemas']['CreateCredentialDto'];",
          "export const tke: Create = { provider: 'tke', credential_id: 'c', name: 'a', spec: { vpc_id: 'v', pod_cidr: '10.0.0.0/8' } };",
          "export const rancher: Create = { provider: 'rancher', credential_id: 'c', name: 'b', spec: { kubernetes_version: 'v1.31.4+rke2r1', node_pools: [{ name: 'p', desired_size: 1, roles: ['etcd', 'control-plane'], machine_config: { kind: 'K', name: 'n' } }] } };",
          "export const ack: Credential = { provider: 'ack', name: 'c', settings: { region_id: 'cn-hangzhou' }, secrets: { access_key_id: 'LTAI5tExample', access_key_secret: 'secret-123' } };",
          '// @ts-expect-error TKE needs spec.vpc_id',
          "export const noVpc: Create = { provider: 'tke', credential_id: 'c', name: 'a', spec: { pod_cidr: '10.0.0.0/8' } };",
          '// @ts-expect-error Rancher pools need machine_config',
          "export const noMachine: Create = { provider: 'rancher', credential_id: 'c', name: 'b', spec: { kubernetes_version: 'v1', node_pools: [{ name: 'p', desired_size: 1 }] } };",
          '// @ts-expect-error an ACK credential has ACK settings, not TKE ones',
          "export const mixed: Credential = { provider: 'ack', name: 'c', settings: { region: 'ap-guangzhou' }, secrets: { access_key_id: 'LTAI5tExample', access_key_secret: 'secret-123' } };",
          '',
        ].join('\n'),
      );
      const tsc = await run(
        'node_modules/.bin/tsc',
        [
          '--noEmit',
          '--strict',
          '--skipLibCheck',
          '--module',
          'nodenext',
          '--moduleResolution',
          'nodenext',
          '--ignoreConfig',
          join(dir, 'use.ts'),
        ],
        { timeout: 120_000 },
      ).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? String(e) }));
      expect(tsc.stdout).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it('agrees with the runtime: what the schema requires or patterns, the API refuses with 400 naming the field', async () => {
    const s = doc.components.schemas;
    for (const p of ['ack', 'tke', 'rancher']) {
      const P = `${p[0].toUpperCase()}${p.slice(1)}`;
      const credentialId = await simCredential(
        t,
        token,
        sims.find((x) => x.vendor === p)!,
        `agree-${p}`,
      );
      const example = s[`Create${P}Cluster`].example;
      const spec = s[`${P}ClusterSpec`];
      const broken: [string, Record<string, unknown>][] = [
        ...((spec.required ?? []) as string[]).map((f): [string, Record<string, unknown>] => [
          `spec.${f}`,
          { ...example.spec, [f]: undefined },
        ]),
        ['spec.kubernetes_version', { ...example.spec, kubernetes_version: 'not-a-version' }],
      ];
      for (const [field, specValue] of broken) {
        const body = { ...example, name: `agree-${p}`, credential_id: credentialId, spec: specValue };
        // The document refuses it …
        expect([
          p,
          field,
          validate(`Create${P}Cluster`, JSON.parse(JSON.stringify(body))).length > 0,
        ]).toEqual([p, field, true]);
        // … and so does the API, naming the field.
        const res = await t.api('POST', '/api/v1/clusters', { token, body });
        const fields = (res.body.data?.fields ?? []).map((f: { field: string }) => f.field);
        expect([p, field, res.status, fields.includes(field)]).toEqual([p, field, 400, true]);
      }
    }
  });
});
