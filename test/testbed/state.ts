// Access to the running testbed (see test/testbed/README.md) for the app's integration/e2e tests.
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One entry of `.testbed/state.json`. */
export interface TestbedCluster {
  /** alpha, beta, gamma, ... */
  name: string;
  /** https://127.0.0.1:<port> */
  server: string;
  /** bearer token of a cluster-admin user (group system:masters), valid on this cluster only */
  token: string;
  /** base64 PEM of the cluster CA, as kubeconfig `certificate-authority-data` */
  ca_data: string;
  /** absolute path of `.testbed/<name>.kubeconfig` (inline CA data + bearer token, one context) */
  kubeconfig_path: string;
  /** bearer token of a user that may only get/list/watch namespaces (403 on pods, secrets, ...) */
  limited_token: string;
}

/** Repository root (this file lives in <root>/test/testbed/). */
export const repoRoot: string = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const testbedDir: string = join(repoRoot, '.testbed');
export const statePath: string = join(testbedDir, 'state.json');
export const testbedScript: string = join(repoRoot, 'scripts', 'testbed');

/** The pinned versions from test/testbed/versions.env (KUBE_VERSION, ETCD_VERSION, ...). */
export function testbedVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(join(repoRoot, 'test/testbed/versions.env'), 'utf8').split('\n')) {
    const m = /^([A-Z_]+)=(\S+)/.exec(line);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

/** Reads `.testbed/state.json`; throws when the testbed is not running. */
export function loadTestbed(): TestbedCluster[] {
  if (!existsSync(statePath)) throw new Error('testbed not running: run scripts/testbed up');
  let state: unknown;
  try {
    state = JSON.parse(readFileSync(statePath, 'utf8'));
  } catch (e) {
    throw new Error(
      `testbed not running: run scripts/testbed up (${statePath} is unreadable: ${(e as Error).message})`,
    );
  }
  if (!Array.isArray(state) || state.length === 0)
    throw new Error('testbed not running: run scripts/testbed up');
  return state as TestbedCluster[];
}

/**
 * Number of nodes per cluster of the running testbed (the last `scripts/testbed up --nodes M`);
 * BERTH_TESTBED_NODES wins when set.
 */
export function testbedNodes(): number {
  if (process.env.BERTH_TESTBED_NODES) return Number(process.env.BERTH_TESTBED_NODES);
  try {
    const meta = JSON.parse(readFileSync(join(testbedDir, 'testbed.json'), 'utf8')) as { nodes?: number };
    if (typeof meta.nodes === 'number') return meta.nodes;
  } catch {
    // fall through to the default
  }
  return 3;
}

export interface TestbedResponse {
  status: number;
  /** parsed JSON body, or undefined when the body is not JSON */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- raw Kubernetes JSON
  body: any;
  text: string;
}

/**
 * One HTTPS request to a testbed cluster, trusting only its CA. `token` defaults to the cluster's
 * admin token; pass `null` to send no Authorization header.
 */
export function clusterRequest(
  cluster: TestbedCluster,
  method: string,
  path: string,
  opts: { body?: unknown; token?: string | null; timeoutMs?: number; contentType?: string } = {},
): Promise<TestbedResponse> {
  const url = new URL(path, cluster.server);
  const token = opts.token === undefined ? cluster.token : opts.token;
  const payload =
    opts.body === undefined
      ? undefined
      : typeof opts.body === 'string'
        ? opts.body
        : JSON.stringify(opts.body);
  const headers: Record<string, string | number> = { Accept: 'application/json, */*' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (payload !== undefined) {
    headers['Content-Type'] = opts.contentType ?? 'application/json';
    headers['Content-Length'] = Buffer.byteLength(payload);
  }
  const timeoutMs = opts.timeoutMs ?? 10000;
  return new Promise((resolvePromise, reject) => {
    const req = request(
      {
        hostname: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method,
        headers,
        ca: Buffer.from(cluster.ca_data, 'base64'),
        timeout: timeoutMs,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
          resolvePromise({ status: res.statusCode ?? 0, body, text });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms: ${method} ${url.href}`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** Resolves true when the cluster answers GET /version with 200 within timeoutMs. */
export async function clusterAnswers(cluster: TestbedCluster, timeoutMs = 3000): Promise<boolean> {
  try {
    return (await clusterRequest(cluster, 'GET', '/version', { timeoutMs })).status === 200;
  } catch {
    return false;
  }
}
