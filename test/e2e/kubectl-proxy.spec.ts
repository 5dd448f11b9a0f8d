// kubectl itself against Berth's kubeconfig (/k8s/clusters/:id proxy), and a plain WebSocket client against
// Berth's exec route, on a real testbed API server. The testbed's kwok runs exec commands for real
// (ClusterExec, local target) and makes every pod port an echo (ClusterPortForward), so exec and port-forward
// run end to end through Berth, over WebSocket and over SPDY, and every session is audited.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { importCluster, testbed } from '../helpers/clusters.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import type { TestbedCluster } from '../testbed/state.js';

/** kubectl at the testbed's Kubernetes version (scripts/helm-build), else the machine's. */
function kubectlPath(): string {
  const cache = process.env.BERTH_TESTBED_CACHE ?? join(homedir(), '.cache', 'berth-testbed');
  if (existsSync(cache))
    for (const d of readdirSync(cache)
      .filter((n) => n.startsWith('helm-'))
      .sort()
      .reverse()) {
      const p = join(cache, d, 'bin', 'kubectl');
      if (existsSync(p)) return p;
    }
  return '/usr/bin/kubectl';
}
const KUBECTL = kubectlPath();
const NS = `berth-kubectl-${randomBytes(3).toString('hex')}`;
const OTHER_NS = `${NS}-other`;
const POD = 'shell';

/** Retries an assertion until it passes; at the deadline its last failure is the test's. */
async function eventually(fn: () => Promise<void>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function kubectl(
  kubeconfig: string,
  args: string[],
  opts: { input?: string; env?: Record<string, string> } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      KUBECTL,
      ['--kubeconfig', kubeconfig, ...args],
      { timeout: 30_000, env: { ...process.env, ...opts.env } },
      (err, stdout, stderr) =>
        resolve({
          code: err ? ((err as { code?: number }).code ?? 1) : 0,
          stdout: String(stdout),
          stderr: String(stderr),
        }),
    );
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}

/** A long-running kubectl (watch, logs -f, port-forward) whose output is collected until stopped. */
function background(kubeconfig: string, args: string[], env: Record<string, string> = {}) {
  const child: ChildProcess = spawn(KUBECTL, ['--kubeconfig', kubeconfig, ...args], {
    env: { ...process.env, ...env },
  });
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    out,
    exited,
    stop: () => {
      if (child.exitCode === null) child.kill('SIGTERM');
    },
  };
}

/**
 * kubectl sends a bearer token only over TLS (client-go sets credentials for https servers only), so the
 * test puts Berth behind a TLS front the way production puts it behind an ingress: a self-signed
 * certificate for 127.0.0.1 (openssl), raw TCP relayed to Berth's plain-http port.
 */
async function tlsFront(
  dir: string,
): Promise<{ server: TlsServer; port: number; caFile: string; target: { port: number } }> {
  const key = join(dir, 'front.key');
  const cert = join(dir, 'front.crt');
  await new Promise<void>((resolve, reject) =>
    execFile(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      (err) => (err ? reject(err) : resolve()),
    ),
  );
  const target = { port: 0 };
  const server = createTlsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (s: Socket) => {
    const up = connect(target.port, '127.0.0.1');
    s.pipe(up);
    up.pipe(s);
    s.on('error', () => up.destroy());
    up.on('error', () => s.destroy());
    s.on('close', () => up.destroy());
    up.on('close', () => s.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, caFile: cert, target };
}

type AuditRow = {
  action: string;
  status_code: number;
  actor_name: string;
  target_id: string;
  path: string;
  details: Record<string, unknown> | null;
};

describe('kubectl through Berth (e2e, testbed)', () => {
  let t: TestApp;
  let admin: string;
  let alpha: TestbedCluster;
  let cluster: string;
  let dir: string;
  let adminConfig: string;
  let limitedConfig: string;
  let viewerToken: string;
  let front: Awaited<ReturnType<typeof tlsFront>>;
  const direct = () => alpha.kubeconfig_path;

  const auditRows = async (action: string): Promise<AuditRow[]> => {
    const res = await t.api('GET', `/api/v1/audit-logs?action=${action}&target_id=${cluster}&page_size=100`, {
      token: admin,
    });
    expect(res.status).toBe(200);
    return res.body.data.data as AuditRow[];
  };

  const kubeconfigFor = async (token: string, file: string): Promise<string> => {
    const res = await t.api('GET', `/api/v1/kubeconfig?clusters=${cluster}`, { token });
    expect(res.status).toBe(200);
    const path = join(dir, file);
    writeFileSync(path, res.body.data.kubeconfig as string, { mode: 0o600 });
    return path;
  };

  beforeAll(async () => {
    alpha = testbed()[0];
    dir = mkdtempSync(join(tmpdir(), 'berth-kubectl-'));
    front = await tlsFront(dir);
    t = await startTestApp({
      env: {
        BERTH_PUBLIC_URL: `https://127.0.0.1:${front.port}`,
        BERTH_KUBECONFIG_CA_FILE: front.caFile,
        // Long-lived proxied answers (get -w, logs -f) re-check their caller this often.
        BERTH_WATCH_RECHECK_SECONDS: '1',
      },
    });
    front.target.port = Number(new URL(t.url).port);
    admin = await t.login();
    cluster = await importCluster(t, admin, alpha, 'kubectl-alpha');
    // The workload is set up directly on the testbed cluster (not through Berth).
    const setup = await kubectl(direct(), ['apply', '-f', '-'], {
      input: `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${NS}}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: ${OTHER_NS}}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: ${POD}, namespace: ${NS}}\nspec: {containers: [{name: sh, image: busybox}]}\n`,
    });
    expect(setup.stderr).toBe('');
    await eventually(async () => {
      const r = await kubectl(direct(), ['get', 'pod', POD, '-n', NS, '-o', 'jsonpath={.status.phase}']);
      expect(r.stdout).toBe('Running');
    }, 30_000);
    adminConfig = await kubeconfigFor(admin, 'admin.kubeconfig');
    // A user who may only view one namespace.
    const username = `ns-viewer-${randomBytes(3).toString('hex')}`;
    const u = await t.api('POST', '/api/v1/users', {
      token: admin,
      body: { username, password: `pw-${username}-123456`, role: 'none' },
    });
    expect(u.status).toBe(201);
    const g = await t.api('POST', '/api/v1/grants', {
      token: admin,
      body: {
        subject_type: 'user',
        subject_id: u.body.data.id,
        role: 'view',
        cluster_ids: [cluster],
        namespaces: [NS],
      },
    });
    expect(g.status).toBe(201);
    viewerToken = await t.login(username, `pw-${username}-123456`);
    limitedConfig = await kubeconfigFor(viewerToken, 'limited.kubeconfig');
  }, 90_000);

  afterAll(async () => {
    await kubectl(direct(), ['delete', 'namespace', NS, OTHER_NS, '--wait=false']);
    await t?.close();
    front?.server.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('downloads one kubeconfig whose server is Berth and whose user is an API token of the caller, never the cluster’s', async () => {
    const res = await t.api('GET', '/api/v1/kubeconfig', { token: admin });
    expect(res.status).toBe(200);
    const text = res.body.data.kubeconfig as string;
    expect(res.body.data.contexts.map((c: { cluster_id: string }) => c.cluster_id)).toContain(cluster);
    expect(text).toContain(`https://127.0.0.1:${front.port}/k8s/clusters/${cluster}`);
    expect(text).toContain('certificate-authority-data');
    expect(text).not.toContain(alpha.token);
    expect(text).not.toContain(alpha.server);
    expect(Date.parse(res.body.data.expires_at)).toBeGreaterThan(Date.now());
    // The limited user's kubeconfig lists only the cluster it has a grant on, and its credential is an
    // API token named after the download, with that user's grants, listed and revocable under /tokens.
    const other = await t.api('GET', '/api/v1/kubeconfig', { token: viewerToken });
    expect(other.body.data.contexts.map((c: { cluster_id: string }) => c.cluster_id)).toEqual([cluster]);
    expect(other.body.data.credential).toBe('api_token');
    const tokenId = other.body.data.token_id as string;
    const secret = /token: (berth_pat_\S+)/.exec(other.body.data.kubeconfig as string)?.[1];
    expect(secret).toBeDefined();
    const listed = await t.api('GET', `/api/v1/tokens/${tokenId}`, { token: viewerToken });
    expect(listed.status).toBe(200);
    expect(listed.body.data.name).toMatch(/^kubeconfig /);
    const me = await t.api('GET', '/api/v1/auth/me', { token: secret });
    expect(me.body.data.token_id).toBe(tokenId);
    expect((await t.api('DELETE', `/api/v1/tokens/${tokenId}`, { token: viewerToken })).status).toBe(200);
    expect((await t.api('GET', '/api/v1/auth/me', { token: secret })).status).toBe(401);
    const unknown = await t.api(
      'GET',
      `/api/v1/kubeconfig?clusters=${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`,
      {
        token: viewerToken,
      },
    );
    expect(unknown.status).toBe(404);
  });

  it('kubectl get pods -A, api-resources and explain pods (discovery and OpenAPI pass through)', async () => {
    const pods = await kubectl(adminConfig, ['get', 'pods', '-A', '-o', 'name']);
    expect(pods.stderr).toBe('');
    expect(pods.stdout).toContain(`pod/${POD}`);
    const resources = await kubectl(adminConfig, ['api-resources', '--api-group=apps', '-o', 'name']);
    expect(resources.stdout).toContain('deployments.apps');
    const explain = await kubectl(adminConfig, ['explain', 'pods.spec.containers.image']);
    expect(explain.stderr).toBe('');
    expect(explain.stdout).toMatch(/KIND:\s+Pod/);
    expect(explain.stdout).toContain('image');
  });

  it('kubectl apply -f (multi-document), get -w sees the change, delete; changes are audited', async () => {
    const watch = background(adminConfig, ['get', 'configmaps', '-n', NS, '-w', '--output-watch-events']);
    try {
      await new Promise((r) => setTimeout(r, 1500));
      const applied = await kubectl(adminConfig, ['apply', '-f', '-'], {
        input: `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: one, namespace: ${NS}}\ndata: {a: "1"}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: two, namespace: ${NS}}\ndata: {b: "2"}\n`,
      });
      expect(applied.stderr).toBe('');
      expect(applied.stdout).toContain('configmap/one created');
      expect(applied.stdout).toContain('configmap/two created');
      await eventually(async () => expect(watch.out.stdout).toMatch(/ADDED\s+two\s/), 10_000);
      const deleted = await kubectl(adminConfig, ['delete', 'configmap', 'one', '-n', NS]);
      expect(deleted.stdout).toContain('configmap "one" deleted');
      await eventually(async () => expect(watch.out.stdout).toMatch(/DELETED\s+one\s/), 10_000);
    } finally {
      watch.stop();
    }
    const direct1 = await kubectl(direct(), ['get', 'configmap', '-n', NS, '-o', 'name']);
    expect(direct1.stdout).toContain('configmap/two');
    expect(direct1.stdout).not.toContain('configmap/one');
    const created = await auditRows('k8s.create');
    expect(
      created.filter((r) => r.path.includes(`/namespaces/${NS}/configmaps`)).length,
    ).toBeGreaterThanOrEqual(2);
    const del = await auditRows('k8s.delete');
    expect(del.find((r) => r.details?.name === 'one')).toMatchObject({
      status_code: 200,
      actor_name: 'admin',
      details: { resource: 'configmaps', namespace: NS, name: 'one' },
    });
  });

  it('a revoked token stops an open kubectl get -w through Berth within seconds', async () => {
    const res = await t.api('GET', `/api/v1/kubeconfig?clusters=${cluster}`, { token: admin });
    expect(res.status).toBe(200);
    expect(res.body.data.credential).toBe('api_token');
    const config = join(dir, 'revoked.kubeconfig');
    writeFileSync(config, res.body.data.kubeconfig as string, { mode: 0o600 });
    const watch = background(config, ['get', 'configmaps', '-n', NS, '-w', '--output-watch-events']);
    const sleep = (ms: number) => new Promise<'running'>((r) => setTimeout(() => r('running'), ms));
    try {
      const made = await kubectl(direct(), ['create', 'configmap', 'revoke-probe', '-n', NS]);
      expect(made.stderr).toBe('');
      await eventually(async () => expect(watch.out.stdout).toMatch(/ADDED\s+revoke-probe\s/), 10_000);
      // Re-checks (every second here) pass while the token is valid: the watch stays open.
      expect(await Promise.race([watch.exited, sleep(2500)])).toBe('running');
      const revoked = Date.now();
      expect(
        (await t.api('DELETE', `/api/v1/tokens/${res.body.data.token_id}`, { token: admin })).status,
      ).toBe(200);
      expect(await Promise.race([watch.exited, sleep(5000)])).not.toBe('running');
      expect(Date.now() - revoked).toBeLessThan(5000);
      // The token itself is refused now.
      const again = await kubectl(config, ['get', 'configmaps', '-n', NS]);
      expect(again.code).not.toBe(0);
    } finally {
      watch.stop();
      await kubectl(direct(), ['delete', 'configmap', 'revoke-probe', '-n', NS]);
    }
  });

  it('kubectl logs -f streams without buffering', async () => {
    const logs = background(adminConfig, ['logs', '-f', POD, '-n', NS]);
    try {
      // kwok sends the file and keeps the stream open: the lines arrive while the request is still open.
      await eventually(async () => expect(logs.out.stdout).toContain('log line 20'), 10_000);
    } finally {
      logs.stop();
    }
  });

  it('kubectl exec (WebSocket, then SPDY): stdin in, stdout and stderr out, exit codes, audited', async () => {
    // The testbed's kwok runs exec commands for real (ClusterExec, local target): stdin → head → stdout.
    // (kwok's local exec never closes the command's stdin, so the command reads a known length.)
    const want = await kubectl(direct(), ['exec', '-i', POD, '-n', NS, '--', 'head', '-c', '5'], {
      input: 'hello',
    });
    expect(want.stdout).toBe('hello');
    const viaWs = await kubectl(adminConfig, ['exec', '-i', POD, '-n', NS, '--', 'head', '-c', '5'], {
      input: 'hello',
    });
    expect({ out: viaWs.stdout, code: viaWs.code }).toEqual({ out: 'hello', code: 0 });
    const viaSpdy = await kubectl(adminConfig, ['exec', '-i', POD, '-n', NS, '--', 'head', '-c', '5'], {
      input: 'hello',
      env: { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' },
    });
    expect({ out: viaSpdy.stdout, code: viaSpdy.code }).toEqual({ out: 'hello', code: 0 });
    // stderr and a non-zero exit status come back through Berth too.
    const failing = await kubectl(adminConfig, [
      'exec',
      POD,
      '-n',
      NS,
      '--',
      'sh',
      '-c',
      'echo oops >&2; exit 3',
    ]);
    expect(failing.stderr).toContain('oops');
    // kwok reports the exit status in the error status, not as the command's own code
    expect(failing.stderr).toContain('exit status 3');
    expect(failing.code).not.toBe(0);
    const rows = (await auditRows('pod.exec')).filter((r) => r.path.startsWith('/k8s/'));
    const protocols = rows.map((r) => String(r.details?.protocol));
    expect(protocols.some((p) => /^websocket v5\.channel\.k8s\.io/i.test(p))).toBe(true);
    expect(protocols.some((p) => /^SPDY\/3\.1/i.test(p))).toBe(true);
    await eventually(async () => {
      const done = (await auditRows('pod.exec')).filter(
        (r) => r.path.startsWith('/k8s/') && r.details?.ended_at && r.details?.stdin,
      );
      expect(done.length).toBeGreaterThanOrEqual(2);
      for (const r of done)
        expect(r).toMatchObject({
          status_code: 101,
          actor_name: 'admin',
          details: { namespace: NS, pod: POD, command: ['head', '-c', '5'], stdin: true },
        });
      expect(done.every((r) => (r.details!.bytes_to_client as number) > 0)).toBe(true);
      // Both sessions read stdin; SPDY clients always open streams (bytes from the client).
      expect(done.every((r) => (r.details!.bytes_from_client as number) > 0)).toBe(true);
      const spdy = done.filter((r) => /^SPDY/i.test(String(r.details!.protocol)));
      expect(spdy.length).toBeGreaterThanOrEqual(1);
      expect(spdy.every((r) => (r.details!.bytes_from_client as number) > 0)).toBe(true);
    }, 10_000);
  });

  it('kubectl port-forward listens and relays a connection to the kubelet end through Berth', async () => {
    const pf = background(adminConfig, [
      'port-forward',
      '-n',
      NS,
      `pod/${POD}`,
      '0:80',
      '--address',
      '127.0.0.1',
    ]);
    try {
      await eventually(
        async () => expect(pf.out.stdout).toMatch(/Forwarding from 127\.0\.0\.1:\d+ -> 80/),
        10_000,
      );
      const port = Number(/127\.0\.0\.1:(\d+)/.exec(pf.out.stdout)![1]);
      // The testbed's pods echo on every port (ClusterPortForward → cat): a TCP round trip through
      // kubectl → Berth → API server → kwok and back.
      const payload = `round-trip ${NS} ${'x'.repeat(64 * 1024)}\n`;
      const echoed = await new Promise<string>((resolve, reject) => {
        let got = '';
        const s = connect(port, '127.0.0.1', () => s.write(payload));
        s.on('data', (d) => {
          got += d.toString('utf8');
          if (got.length >= payload.length) {
            s.end();
            resolve(got);
          }
        });
        s.on('error', reject);
        setTimeout(
          () => reject(new Error(`echo incomplete: ${got.length} of ${payload.length} bytes`)),
          10_000,
        );
      });
      expect(echoed).toBe(payload);
    } finally {
      pf.stop();
    }
    await eventually(async () => {
      const rows = await auditRows('pod.portforward');
      expect(rows.find((r) => r.details?.ended_at)).toMatchObject({
        status_code: 101,
        // kubectl ≥ 1.31 forwards over WebSocket and names the port per stream, not in the query.
        details: { namespace: NS, pod: POD },
      });
    }, 10_000);
  });

  it('a namespace-limited grant: its namespace works, others are 404 / 403 as kubectl shows them, can-i answers from Berth', async () => {
    const own = await kubectl(limitedConfig, ['get', 'pods', '-n', NS, '-o', 'name']);
    expect(own.stderr).toBe('');
    expect(own.stdout).toContain(`pod/${POD}`);
    const other = await kubectl(limitedConfig, ['get', 'pods', '-n', OTHER_NS]);
    expect(other.code).not.toBe(0);
    expect(other.stderr).toContain('Error from server (NotFound)');
    expect(other.stderr).toContain(`Namespace ${OTHER_NS} not found`);
    const all = await kubectl(limitedConfig, ['get', 'pods', '-A']);
    expect(all.stderr).toContain('Error from server (Forbidden)');
    expect(all.stderr).toContain(NS);
    const write = await kubectl(limitedConfig, ['delete', 'pod', POD, '-n', NS, '--wait=false']);
    expect(write.stderr).toContain('Error from server (Forbidden)');
    expect(write.stderr).toContain('objects.write');
    const secrets = await kubectl(limitedConfig, ['get', 'secrets', '-n', NS]);
    expect(secrets.stderr).toContain('secrets.reveal');
    const exec = await kubectl(limitedConfig, ['exec', POD, '-n', NS, '--', 'true']);
    expect(exec.stderr).toContain('pods.exec');
    expect((await kubectl(limitedConfig, ['auth', 'can-i', 'get', 'pods', '-n', NS])).stdout.trim()).toBe(
      'yes',
    );
    expect((await kubectl(limitedConfig, ['auth', 'can-i', 'delete', 'pods', '-n', NS])).stdout).toMatch(
      /^no - Berth grants do not give objects\.write/,
    );
    // The pod is still there (the refused delete never reached the cluster).
    expect((await kubectl(direct(), ['get', 'pod', POD, '-n', NS, '-o', 'name'])).stdout).toContain(POD);
    // Impersonation is Berth's decision, never the caller's.
    const as = await kubectl(adminConfig, ['get', 'pods', '-n', NS, '--as', 'system:admin']);
    expect(as.stderr).toContain('Impersonate-* headers are refused');
  });

  it('a plain WebSocket client execs with v5.channel.k8s.io: status channel, resize passes, audited with bytes', async () => {
    const url = `${t.url.replace(/^http/, 'ws')}/api/v1/clusters/${cluster}/namespaces/${NS}/pods/${POD}/exec?container=sh&command=sh&command=-c&command=echo%20hi%3B%20sleep%200.3&stdin=true&stdout=true&stderr=true&tty=true`;
    const ws = new WebSocket(url, ['v5.channel.k8s.io', 'v4.channel.k8s.io'], {
      headers: { authorization: `Bearer ${admin}`, 'x-request-id': `ws-exec-${NS}` },
    });
    const frames: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.on('open', () => {
        expect(ws.protocol).toBe('v5.channel.k8s.io');
        ws.send(Buffer.concat([Buffer.from([4]), Buffer.from(JSON.stringify({ Width: 120, Height: 40 }))]));
        ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('echo hi\n')]));
        ws.send(Buffer.from([255, 0])); // v5: close stdin
      });
      ws.on('message', (d: Buffer) => frames.push(Buffer.from(d)));
      ws.on('close', () => resolve());
      ws.on('error', reject);
    });
    const status = frames.find((f) => f[0] === 3);
    expect(status).toBeDefined();
    const s = JSON.parse(status!.subarray(1).toString('utf8')) as { status: string; message: string };
    expect(s.status).toBe('Success');
    const stdout = Buffer.concat(frames.filter((f) => f[0] === 1).map((f) => f.subarray(1))).toString('utf8');
    expect(stdout).toContain('hi');
    await eventually(async () => {
      const rows = (await auditRows('pod.exec')).filter(
        (r) => r.path === '/api/v1/clusters/:id/namespaces/:ns/pods/:name/exec',
      );
      const row = rows.find((r) => r.details?.ended_at);
      expect(row).toMatchObject({
        status_code: 101,
        actor_name: 'admin',
        details: {
          namespace: NS,
          pod: POD,
          container: 'sh',
          command: ['sh', '-c', 'echo hi; sleep 0.3'],
          tty: true,
        },
      });
      // The command may end before the client's frames arrive: what was read is counted, maybe nothing.
      expect(typeof row!.details!.bytes_from_client).toBe('number');
      expect(row!.details!.bytes_to_client as number).toBeGreaterThan(status!.length);
      expect(Date.parse(String(row!.details!.ended_at))).toBeGreaterThanOrEqual(
        Date.parse(String(row!.details!.started_at)),
      );
    }, 10_000);
  });

  it('the WebSocket exec is refused before the upgrade without pods.exec (403), without a token (401), outside the grants (404)', async () => {
    const attempt = (token: string | null, ns = NS) =>
      new Promise<{ status: number; body: { code: number; message: string } }>((resolve, reject) => {
        const ws = new WebSocket(
          `${t.url.replace(/^http/, 'ws')}/api/v1/clusters/${cluster}/namespaces/${ns}/pods/${POD}/exec?command=true`,
          ['v5.channel.k8s.io'],
          { headers: token ? { authorization: `Bearer ${token}` } : {} },
        );
        ws.on('open', () => reject(new Error('upgraded')));
        ws.on('error', () => undefined);
        ws.on('unexpected-response', (_req, res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
        });
      });
    const forbidden = await attempt(viewerToken);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.code).toBe(40300);
    expect(forbidden.body.message).toContain('pods.exec');
    expect((await attempt(null)).status).toBe(401);
    expect((await attempt(viewerToken, OTHER_NS)).status).toBe(404);
    const refused = (await auditRows('pod.exec')).filter((r) => r.status_code === 403);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    // A plain GET (no upgrade) is told to upgrade.
    const plain = await t.api(
      'GET',
      `/api/v1/clusters/${cluster}/namespaces/${NS}/pods/${POD}/exec?command=true`,
      {
        token: admin,
      },
    );
    expect(plain.status).toBe(426);
  });
});
