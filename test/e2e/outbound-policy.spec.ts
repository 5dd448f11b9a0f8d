import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, type TestApp, userToken } from '../helpers/test-app.js';

/**
 * Issue 9 item 9 (SSRF): what Berth tells a caller about an address it was asked to connect to, and
 * which addresses it connects to at all. Every server here is a real one this spec starts on loopback.
 */

const SECRET = 'INTERNAL-SECRET-7f3a';
const TIMEOUT_MS = 1200;

function selfSignedCert(dir: string, cn = 'internal.test'): { key: Buffer; cert: Buffer } {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '2',
      '-subj',
      `/CN=${cn}`,
      '-addext',
      'subjectAltName=IP:127.0.0.1,IP:127.0.0.2,DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
}

const listen = (server: Server | ReturnType<typeof createHttpServer>, host = '127.0.0.1') =>
  new Promise<number>((resolve) =>
    server.listen(0, host, () => resolve((server.address() as AddressInfo).port)),
  );
const closeServer = (server: Server | ReturnType<typeof createHttpServer>) =>
  new Promise<void>((r) => server.close(() => r()));

/** A fake API server: answers like Kubernetes in mode "kube", leaks an internal body in mode "leaky". */
function fakeKube(mode: { value: 'kube' | 'leaky' | 'status' }) {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (mode.value === 'leaky') {
      res
        .writeHead(500, { 'content-type': 'text/html' })
        .end(`<html>stack trace ${SECRET} db=postgres://admin:${SECRET}@10.0.0.5</html>`);
      return;
    }
    if (mode.value === 'status') {
      res.writeHead(503, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          message: 'etcd is sad',
          reason: 'ServiceUnavailable',
          code: 503,
        }),
      );
      return;
    }
    if (req.url === '/version') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          major: '1',
          minor: '36',
          gitVersion: 'v1.36.3',
          gitCommit: 'abc',
          gitTreeState: 'clean',
          buildDate: '2026-01-01T00:00:00Z',
          goVersion: 'go1.25',
          compiler: 'gc',
          platform: 'linux/amd64',
        }),
      );
      return;
    }
    if (req.url?.startsWith('/api/v1/nodes')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          kind: 'NodeList',
          apiVersion: 'v1',
          metadata: {},
          items: [{ metadata: { name: 'n1' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } }],
        }),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        message: 'the server could not find the requested resource',
        reason: 'NotFound',
        code: 404,
      }),
    );
  };
}

describe('outbound policy and what Berth tells about unreachable servers (e2e)', () => {
  let dir: string;
  let t: TestApp;
  let admin: string;
  let operator: string;
  const servers: (Server | ReturnType<typeof createHttpServer>)[] = [];
  const sockets: Socket[] = [];
  const ports: Record<string, number> = {};
  const kubeMode = { value: 'kube' as 'kube' | 'leaky' | 'status' };
  const vendorHits = { n: 0 };
  const vendorCredentials: Record<string, string> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-ssrf-'));
    const tls = selfSignedCert(dir);
    // A port nothing listens on.
    const gone = createTcpServer();
    ports.closed = await listen(gone);
    await closeServer(gone);
    // Accepts, then hangs up at once.
    const resetting = createTcpServer((s) => s.destroy());
    ports.resetting = await listen(resetting);
    // Plain HTTP, no TLS.
    const plain = createHttpServer((_, res) => res.end(`plain http ${SECRET}`));
    ports.plain = await listen(plain);
    // Accepts and never says anything.
    const silent = createTcpServer((s) => sockets.push(s));
    ports.silent = await listen(silent);
    // An internal HTTPS service with a self-signed certificate that is not Kubernetes.
    const internal = createHttpsServer(tls, (req, res) => {
      if (req.url === '/version')
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ service: 'payroll-svc', secret: SECRET }));
      else res.writeHead(500, { 'content-type': 'text/plain' }).end(`internal error ${SECRET}`);
    });
    ports.internal = await listen(internal);
    // Something that answers like Kubernetes (self-signed as well: imported with insecure_skip_tls_verify by an admin).
    const kube = createHttpsServer(tls, fakeKube(kubeMode));
    ports.kube = await listen(kube);
    const kube2 = createHttpsServer(tls, fakeKube({ value: 'kube' }));
    ports.kube2 = await listen(kube2, '127.0.0.2');
    // Stands in for a vendor API on loopback; counts what reaches it.
    const vendor = createHttpServer((_, res) => {
      vendorHits.n++;
      res.writeHead(500).end();
    });
    ports.vendor = await listen(vendor);
    servers.push(resetting, plain, silent, internal, kube, kube2, vendor);

    t = await startTestApp({ env: { BERTH_KUBE_TIMEOUT_MS: String(TIMEOUT_MS) } });
    admin = await t.login();
    operator = await userToken(t, admin, 'op1', 'operator');
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    for (const s of servers) await closeServer(s);
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const importAs = (token: string, body: Record<string, unknown>) =>
    t.api('POST', '/api/v1/clusters/import', { token, body: { token: 'tok-123', ...body } });

  it('answers closed, resetting, non-TLS and TLS-mismatch ports identically (status, code, message, data), details only in the log', async () => {
    const answers: Record<string, { status: number; code: number; message: string; data: unknown }> = {};
    for (const kind of ['closed', 'resetting', 'plain', 'internal']) {
      const name = `scan-${kind}`;
      const res = await importAs(operator, { name, server: `https://127.0.0.1:${ports[kind]}` });
      const data = JSON.parse(JSON.stringify(res.body.data ?? null).replaceAll(name, 'NAME')) as Record<
        string,
        unknown
      > | null;
      if (data && typeof data === 'object') delete data.cluster_id;
      answers[kind] = {
        status: res.status,
        code: res.body.code,
        message: String(res.body.message).replaceAll(name, 'NAME'),
        data,
      };
      expect(res.text).not.toContain(SECRET);
      expect(res.text).not.toMatch(/ECONN|EPROTO|certificate|self[- ]signed|TLS|SSL|wrong version/i);
    }
    expect(answers.closed).toEqual({
      status: 503,
      code: 50301,
      message: expect.stringMatching(/^Cluster NAME is unreachable; pass force=true/),
      data: expect.anything(),
    });
    expect(answers.resetting).toEqual(answers.closed);
    expect(answers.plain).toEqual(answers.closed);
    expect(answers.internal).toEqual(answers.closed);
    // The reason is logged for the operator of Berth.
    expect(t.logs.join('\n')).toMatch(/scan-closed .* is unreachable: ECONNREFUSED/);
    expect(t.logs.join('\n')).toMatch(/scan-internal .* is unreachable: .*(CERT|SELF_SIGNED|certificate)/i);
    expect(
      (await t.sql.query("SELECT count(*)::int AS n FROM clusters WHERE name LIKE 'scan-%'")).rows[0].n,
    ).toBe(0);
  });

  it('answers a silent port with the timeout (504), as it would a slow cluster', async () => {
    const started = Date.now();
    const res = await importAs(operator, {
      name: 'scan-silent',
      server: `https://127.0.0.1:${ports.silent}`,
    });
    expect(res.status).toBe(504);
    expect(res.body.code).toBe(50400);
    expect(res.body.message).toMatch(/^Cluster scan-silent did not answer within \d+ ms/);
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 2000);
  });

  it('refuses an internal HTTPS service that is not Kubernetes, even for an admin with insecure_skip_tls_verify and force, and relays nothing of it', async () => {
    const res = await importAs(admin, {
      name: 'billing',
      server: `https://127.0.0.1:${ports.internal}`,
      insecure_skip_tls_verify: true,
      force: true,
    });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe(42211);
    expect(res.body.message).toBe('Cluster billing: the server is not a Kubernetes API server');
    expect(res.text).not.toContain(SECRET);
    expect(res.text).not.toContain('payroll');
    expect(
      (await t.sql.query("SELECT count(*)::int AS n FROM clusters WHERE name = 'billing'")).rows[0].n,
    ).toBe(0);
  });

  it('lets only an admin turn off TLS verification (field, kubeconfig, PATCH)', async () => {
    const field = await importAs(operator, {
      name: 'insecure-op',
      server: `https://127.0.0.1:${ports.kube}`,
      insecure_skip_tls_verify: true,
    });
    expect(field.status).toBe(403);
    expect(field.body.code).toBe(40300);
    expect(field.body.message).toMatch(/Only an admin may turn off TLS verification/);
    expect(field.body.data).toMatchObject({ field: 'insecure_skip_tls_verify', required_role: 'admin' });

    const kubeconfig = [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: c, cluster: {server: "https://127.0.0.1:' +
        ports.kube +
        '", insecure-skip-tls-verify: true}}]',
      'users: [{name: u, user: {token: tok-123}}]',
      'contexts: [{name: x, context: {cluster: c, user: u}}]',
      'current-context: x',
    ].join('\n');
    const viaKubeconfig = await t.api('POST', '/api/v1/clusters/import', {
      token: operator,
      body: { name: 'insecure-op2', kubeconfig },
    });
    expect(viaKubeconfig.status).toBe(403);
    expect(viaKubeconfig.body.data).toMatchObject({ field: 'kubeconfig' });
    expect(
      (await t.sql.query("SELECT count(*)::int AS n FROM clusters WHERE name LIKE 'insecure-op%'")).rows[0].n,
    ).toBe(0);

    // An admin may; the fake answers like Kubernetes, so the cluster is active.
    const ok = await t.api('POST', '/api/v1/clusters/import', {
      token: admin,
      body: { name: 'fake-kube', kubeconfig },
    });
    expect(ok.status).toBe(201);
    expect(ok.body.data).toMatchObject({ status: 'active', version: 'v1.36.3', node_count: 1 });

    // PATCH: an operator may change labels, but not rotate to an unverified credential.
    const id = ok.body.data.id as string;
    const patch = await t.api('PATCH', `/api/v1/clusters/${id}`, {
      token: operator,
      body: { server: `https://127.0.0.1:${ports.kube}`, token: 'tok-456', insecure_skip_tls_verify: true },
    });
    expect(patch.status).toBe(403);
    const labels = await t.api('PATCH', `/api/v1/clusters/${id}`, {
      token: operator,
      body: { labels: { env: 'x' } },
    });
    expect(labels.status).toBe(200);
    const adminPatch = await t.api('PATCH', `/api/v1/clusters/${id}`, {
      token: admin,
      body: { server: `https://127.0.0.1:${ports.kube}`, token: 'tok-456', insecure_skip_tls_verify: true },
    });
    expect(adminPatch.status).toBe(200);
  });

  it('relays a Kubernetes Status message from a cluster, never a raw body', async () => {
    const id = (await t.sql.query("SELECT id FROM clusters WHERE name = 'fake-kube'")).rows[0].id as string;
    try {
      kubeMode.value = 'leaky';
      const leaky = await t.api('GET', `/api/v1/clusters/${id}/health`, { token: operator });
      expect(leaky.status).toBe(200);
      expect(leaky.body.data.status).toBe('unavailable');
      expect(leaky.text).not.toContain(SECRET);
      const record = await t.api('GET', `/api/v1/clusters/${id}`, { token: operator });
      expect(record.body.data.last_error).toBe(
        'Cluster fake-kube: the server is not a Kubernetes API server',
      );
      expect(record.text).not.toContain(SECRET);

      kubeMode.value = 'status';
      const status = await t.api('GET', `/api/v1/clusters/${id}/health`, { token: operator });
      expect(status.body.data.error.message).toBe('Cluster fake-kube: etcd is sad');
    } finally {
      kubeMode.value = 'kube';
    }
  });

  describe('with loopback denied (production default)', () => {
    let p: TestApp;
    let padmin: string;
    let pop: string;

    beforeAll(async () => {
      // Vendor credentials saved while loopback was allowed (first app), used by the second.
      const vendor = `http://127.0.0.1:${ports.vendor}`;
      for (const [provider, settings, secrets] of [
        ['rancher', { endpoint: vendor }, { token: 'token-abc12:rancherSecretXyz123' }],
        [
          'ack',
          { region_id: 'cn-hangzhou', endpoint: vendor },
          { access_key_id: 'LTAI5tAckKeyId0001', access_key_secret: 'ack-secret-value' },
        ],
        [
          'tke',
          { region: 'ap-guangzhou', endpoint: vendor },
          { secret_id: 'AKIDtkeSecretId00001', secret_key: 'tke-secret-key' },
        ],
      ] as const) {
        const res = await t.api('POST', '/api/v1/credentials', {
          token: admin,
          body: { name: `${provider}-loopback`, provider, settings, secrets },
        });
        expect(res.status).toBe(201);
        vendorCredentials[provider] = res.body.data.id as string;
      }
      // The same database: records saved by the first app are connected to by this one.
      p = await startTestApp({
        dbName: t.dbName,
        env: {
          BERTH_KUBE_TIMEOUT_MS: String(TIMEOUT_MS),
          BERTH_OUTBOUND_ALLOW_LOOPBACK: 'false',
          BERTH_OUTBOUND_ALLOW: '127.0.0.2/32',
        },
      });
      padmin = await p.login();
      pop = await p.login('op1', 'pw-op1-123456');
    });
    afterAll(() => p?.close({ keepDatabase: true }));

    it('refuses cluster servers on loopback, metadata and names resolving to loopback (422, naming the field), with or without force', async () => {
      for (const server of [
        `https://127.0.0.1:${ports.kube}`,
        'https://169.254.169.254',
        'https://[::ffff:169.254.169.254]:443',
        'https://100.100.100.200',
        'https://[fd00:ec2::254]',
        'https://[::1]:6443',
        'https://0.0.0.0:6443',
        `https://localhost:${ports.kube}`,
      ]) {
        const res = await p.api('POST', '/api/v1/clusters/import', {
          token: pop,
          body: { name: 'ssrf', server, token: 'tok-123', force: true },
        });
        expect([server, res.status, res.body.code, res.body.data]).toEqual([
          server,
          422,
          42210,
          expect.objectContaining({ field: 'server' }),
        ]);
        expect(res.body.message).toMatch(/^server refused: .*(loopback|metadata|unspecified|link-local)/);
      }
      const kubeconfig = [
        'clusters: [{name: c, cluster: {server: "https://localhost:' + ports.kube + '"}}]',
        'users: [{name: u, user: {token: tok-123}}]',
        'contexts: [{name: x, context: {cluster: c, user: u}}]',
      ].join('\n');
      const viaKubeconfig = await p.api('POST', '/api/v1/clusters/import', {
        token: padmin,
        body: { name: 'ssrf', kubeconfig, force: true },
      });
      expect(viaKubeconfig.status).toBe(422);
      expect(viaKubeconfig.body.data.field).toBe('kubeconfig');
      expect(
        (await p.sql.query("SELECT count(*)::int AS n FROM clusters WHERE name = 'ssrf'")).rows[0].n,
      ).toBe(0);
    });

    it('checks every connection: a saved cluster on a now-refused address is unreachable', async () => {
      const id = (await p.sql.query("SELECT id FROM clusters WHERE name = 'fake-kube'")).rows[0].id as string;
      const health = await p.api('GET', `/api/v1/clusters/${id}/health`, { token: pop });
      expect(health.status).toBe(200);
      expect(health.body.data).toMatchObject({
        status: 'unavailable',
        error: { code: 50301, message: 'Cluster fake-kube is unreachable' },
      });
      expect(p.logs.join('\n')).toMatch(
        /fake-kube .* is unreachable: EBERTH_OUTBOUND_REFUSED 127\.0\.0\.1 .*loopback/,
      );
    });

    it('checks every vendor connection: a saved credential on a now-refused endpoint never reaches it', async () => {
      const pool = (name: string, roles: string[]) => ({
        name,
        desired_size: 1,
        roles,
        machine_config: { kind: 'Amazonec2Config', name: `nc-${name}` },
      });
      const specs: Record<string, unknown> = {
        rancher: {
          kubernetes_version: 'v1.31.4+rke2r1',
          cloud_credential: 'cattle-global-data:cc-abcde',
          node_pools: [pool('cp', ['etcd', 'control-plane', 'worker'])],
        },
        ack: {
          kubernetes_version: '1.31.1-aliyun.1',
          vpc_id: 'vpc-sim',
          subnet_ids: ['vsw-a'],
          node_pools: [{ name: 'default', desired_size: 1, instance_types: ['ecs.g7.large'] }],
        },
        tke: {
          kubernetes_version: '1.30.0',
          vpc_id: 'vpc-sim',
          subnet_ids: ['subnet-a'],
          pod_cidr: '172.20.0.0/16',
          service_cidr: '172.21.0.0/20',
          node_pools: [{ name: 'workers', desired_size: 1 }],
        },
      };
      vendorHits.n = 0;
      for (const provider of ['rancher', 'ack', 'tke']) {
        const res = await p.api('POST', '/api/v1/clusters', {
          token: padmin,
          body: {
            provider,
            credential_id: vendorCredentials[provider],
            name: `via-${provider}`,
            spec: specs[provider],
          },
        });
        expect([provider, res.status >= 500, res.text.includes('127.0.0.1')]).toEqual([provider, true, true]);
      }
      expect(vendorHits.n).toBe(0);
      // The same credentials reach the endpoint from the first app, where loopback is allowed.
      const control = await t.api('POST', '/api/v1/clusters', {
        token: admin,
        body: { provider: 'ack', credential_id: vendorCredentials.ack, name: 'via-ack', spec: specs.ack },
      });
      expect(control.status).toBeGreaterThanOrEqual(500);
      expect(vendorHits.n).toBeGreaterThan(0);
    });

    it('lets an allow-list entry through', async () => {
      const res = await p.api('POST', '/api/v1/clusters/import', {
        token: padmin,
        body: {
          name: 'allowed',
          server: `https://127.0.0.2:${ports.kube2}`,
          token: 'tok-123',
          insecure_skip_tls_verify: true,
        },
      });
      expect(res.status).toBe(201);
      expect(res.body.data).toMatchObject({ status: 'active', version: 'v1.36.3' });
      const cred = await p.api('POST', '/api/v1/credentials', {
        token: padmin,
        body: {
          name: 'rancher-allowed',
          provider: 'rancher',
          settings: { endpoint: 'https://127.0.0.2:1' },
          secrets: { token: 'token-abc12:rancherSecretXyz123' },
        },
      });
      expect(cred.status).toBe(201);
    });

    it('refuses vendor credential endpoints on refused addresses (422 naming settings.endpoint)', async () => {
      const cases = [
        {
          provider: 'rancher',
          settings: { endpoint: 'https://127.0.0.1:8443' },
          secrets: { token: 'token-abc12:rancherSecretXyz123' },
        },
        {
          provider: 'harbor',
          settings: { endpoint: 'http://localhost:8080', username: 'admin' },
          secrets: { password: 'harbor-pw' },
        },
        {
          provider: 'ack',
          settings: { region_id: 'cn-hangzhou', endpoint: 'http://100.100.100.200' },
          secrets: { access_key_id: 'LTAI5tAckKeyId0001', access_key_secret: 'ack-secret-value' },
        },
        {
          provider: 'tke',
          settings: { region: 'ap-guangzhou', endpoint: 'http://169.254.169.254/latest' },
          secrets: { secret_id: 'AKIDtkeSecretId00001', secret_key: 'tke-secret-key' },
        },
      ];
      for (const [i, c] of cases.entries()) {
        const res = await p.api('POST', '/api/v1/credentials', {
          token: padmin,
          body: { name: `ssrf-${i}`, ...c },
        });
        expect([c.provider, res.status, res.body.code, res.body.data]).toEqual([
          c.provider,
          422,
          42210,
          expect.objectContaining({ field: 'settings.endpoint' }),
        ]);
      }
      const ok = await p.api('POST', '/api/v1/credentials', {
        token: padmin,
        body: {
          name: 'harbor-ok',
          provider: 'harbor',
          settings: { endpoint: 'https://harbor.example.com', username: 'admin' },
          secrets: { password: 'pw' },
        },
      });
      expect(ok.status).toBe(201);
      // PATCH to a refused endpoint is refused as well.
      const patch = await p.api('PATCH', `/api/v1/credentials/${ok.body.data.id}`, {
        token: padmin,
        body: { settings: { endpoint: 'https://localhost' } },
      });
      expect(patch.status).toBe(422);
      expect(patch.body.data.field).toBe('settings.endpoint');
    });
  });
});
