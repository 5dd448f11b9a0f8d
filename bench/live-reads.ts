// Benchmark: Berth's overhead on live reads, in one run, against the testbed's real API servers.
//   npm run bench            (needs `scripts/testbed up`; builds Berth and starts it on a free port)
// Prints p50/p90/p99 for: 500 pods listed directly vs through Berth; fan-out over every cluster vs the
// slowest single-cluster list; the cost of a dead and a hung cluster in a fan-out. Ratios vs targets.
// `kubectl proxy` (the thinnest real proxy) runs beside Berth and is measured in the same interleaved rounds.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import pg from 'pg';
import { fmt, hit, interleave, measure, type Target } from './lib.js';

interface Cluster {
  name: string;
  server: string;
  token: string;
  ca_data: string;
  kubeconfig_path: string;
}

const NS = 'berth-bench';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const PODS = { first: Number(process.env.BENCH_PODS ?? 1000), others: 500 };
const ADMIN_PASSWORD = 'bench-admin-password';
const ROOT = new URL('..', import.meta.url).pathname;

const clusters: Cluster[] = JSON.parse(readFileSync(`${ROOT}.testbed/state.json`, 'utf8'));
if (clusters.length < 2) throw new Error('the benchmark needs the testbed: scripts/testbed up');
const ca = (c: Cluster) => Buffer.from(c.ca_data, 'base64').toString();
const direct = (c: Cluster, path: string): Target => ({
  url: c.server + path,
  headers: { authorization: `Bearer ${c.token}`, accept: 'application/json' },
  ca: ca(c),
});

async function kube(
  c: Cluster,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: any }> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      c.server + path,
      {
        method,
        ca: ca(c),
        headers: {
          authorization: `Bearer ${c.token}`,
          'content-type': method === 'PATCH' ? 'application/apply-patch+yaml' : 'application/json',
          accept: 'application/json',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : null });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** N pods per cluster that stay Pending (no scheduler picks them up), made by a Deployment. */
async function seed(c: Cluster, pods: number) {
  await kube(c, 'PATCH', `/api/v1/namespaces/${NS}?fieldManager=bench`, {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: NS },
  });
  await kube(c, 'PATCH', `/apis/apps/v1/namespaces/${NS}/deployments/bench?fieldManager=bench`, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'bench', namespace: NS },
    spec: {
      replicas: pods,
      selector: { matchLabels: { app: 'bench' } },
      template: {
        metadata: { labels: { app: 'bench' } },
        spec: {
          schedulerName: 'berth-bench-none',
          containers: [{ name: 'app', image: 'nginx:1.27', env: [{ name: 'PAD', value: 'x'.repeat(200) }] }],
        },
      },
    },
  });
  for (let i = 0; ; i++) {
    const r = await kube(c, 'GET', `/api/v1/namespaces/${NS}/pods?limit=1`);
    const n = (r.json.items?.length ?? 0) + (r.json.metadata.remainingItemCount ?? 0);
    if (n >= pods) return;
    if (i % 10 === 0) process.stdout.write(`  ${c.name}: ${n}/${pods} pods\n`);
    if (i > 600) throw new Error(`${c.name}: pods did not reach ${pods}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function startBerth(): Promise<{ url: string; proc: ChildProcess; db: string }> {
  execFileSync('bash', ['-c', `source ${ROOT}scripts/lib.sh && ensure_build`], { stdio: 'inherit' });
  const db = 'berth_bench';
  const base = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/berth';
  const admin = new pg.Client({ connectionString: base.replace(/\/[^/]*$/, '/postgres') });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await admin.end();
  const port = await freePort();
  const proc = spawn('node', ['dist/src/main.js'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      NODE_ENV: 'development',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: base.replace(/\/[^/]*$/, `/${db}`),
      BERTH_REDIS_PREFIX: 'berth-bench:',
      BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD,
      BERTH_WORKERS: 'false',
      LOG_LEVEL: 'warn',
    },
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) return { url, proc, db };
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('Berth did not become ready');
}

async function api(url: string, token: string | null, method: string, path: string, body?: unknown) {
  const res = await fetch(url + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as any };
}

/** `kubectl proxy` for one cluster on a free port: the thinnest real proxy, as a peer in the same run. */
async function startKubectlProxy(c: Cluster): Promise<{ url: string; proc: ChildProcess }> {
  const port = await freePort();
  const proc = spawn(
    'kubectl',
    ['proxy', '--kubeconfig', c.kubeconfig_path, '--port', String(port), '--address', '127.0.0.1'],
    { stdio: 'ignore' },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${url}/version`)).ok) return { url, proc };
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('kubectl proxy did not start');
}

const verdict = (ok: boolean) => (ok ? 'MEETS TARGET' : 'MISSES TARGET');

async function main() {
  console.log(
    `seeding pods (${PODS.first} in ${clusters[0].name}, ${PODS.others} in the others; Pending, unscheduled)`,
  );
  await Promise.all(clusters.map((c, i) => seed(c, i === 0 ? PODS.first : PODS.others)));
  const berth = await startBerth();
  const kproxy = await startKubectlProxy(clusters[0]);
  const viaProxy = (path: string): Target => ({
    url: kproxy.url + path,
    headers: { accept: 'application/json' },
  });
  try {
    const token = (
      await api(berth.url, null, 'POST', '/api/v1/auth/login', {
        username: 'admin',
        password: ADMIN_PASSWORD,
      })
    ).json.data.access_token;
    const ids: string[] = [];
    for (const c of clusters) {
      const r = await api(berth.url, token, 'POST', '/api/v1/clusters/import', {
        name: c.name,
        kubeconfig: readFileSync(c.kubeconfig_path, 'utf8'),
      });
      ids.push(r.json.data.id);
    }
    const auth = { authorization: `Bearer ${token}` };
    const through = (path: string): Target => ({ url: berth.url + path, headers: auth });
    const sample = await hit(
      through(`/api/v1/clusters/${ids[0]}/resources/pods?namespace=${NS}&page_size=500`),
    );
    const page = JSON.parse(sample.body.toString()).data;
    console.log(
      `\nBerth page check: ${page.data.length} items, total ${page.total}, total_page ${page.total_page}`,
    );

    console.log(
      `\n== 1. one page of 500 pods from ${clusters[0].name} (${SECONDS * 2}s, direct, kubectl proxy and Berth interleaved)`,
    );
    const listPath = `/api/v1/namespaces/${NS}/pods?limit=500`;
    const [d1, k1, b1] = await interleave(
      [
        direct(clusters[0], listPath),
        viaProxy(listPath),
        through(`/api/v1/clusters/${ids[0]}/resources/pods?namespace=${NS}&page_size=500`),
      ],
      { seconds: SECONDS * 2 },
    );
    console.log(`direct  ${fmt(d1)}\nkproxy  ${fmt(k1)}\nberth   ${fmt(b1)}`);
    const dp50 = d1.p50;
    const dp99 = d1.p99;
    const r50 = b1.p50 / dp50;
    const r99 = b1.p99 / dp99;

    const podName = (
      JSON.parse(
        (await hit(direct(clusters[0], `/api/v1/namespaces/${NS}/pods?limit=1`))).body.toString(),
      ) as { items: { metadata: { name: string } }[] }
    ).items[0].metadata.name;
    console.log(`\n== 1b. one pod GET (${SECONDS}s, interleaved)`);
    const podPath = `/api/v1/namespaces/${NS}/pods/${podName}`;
    const [dg, kg, bg] = await interleave(
      [
        direct(clusters[0], podPath),
        viaProxy(podPath),
        through(`/api/v1/clusters/${ids[0]}/namespaces/${NS}/pods/${podName}`),
      ],
      { seconds: SECONDS },
    );
    console.log(`direct  ${fmt(dg)}\nkproxy  ${fmt(kg)}\nberth   ${fmt(bg)}`);

    console.log(`\n== 2. concurrency 4 (throughput, informational)`);
    const d2 = await measure(direct(clusters[0], `/api/v1/namespaces/${NS}/pods?limit=500`), {
      seconds: SECONDS,
      concurrency: 4,
    });
    const b2 = await measure(
      through(`/api/v1/clusters/${ids[0]}/resources/pods?namespace=${NS}&page_size=500`),
      { seconds: SECONDS, concurrency: 4 },
    );
    console.log(`direct  ${fmt(d2)}\nberth   ${fmt(b2)}`);

    console.log(
      `\n== 3. fan-out: 500 pods from each of ${clusters.length} clusters (interleaved with each single-cluster list)`,
    );
    const all = await interleave(
      [
        ...clusters.map((c) => direct(c, `/api/v1/namespaces/${NS}/pods?limit=500`)),
        through(`/api/v1/fleet/resources/pods?namespace=${NS}&max_per_cluster=500&page_size=500`),
      ],
      { seconds: SECONDS * 2 },
    );
    const singles = all.slice(0, clusters.length);
    const fan = all[clusters.length];
    clusters.forEach((c, i) => console.log(`direct ${c.name.padEnd(7)}${fmt(singles[i])}`));
    console.log(`berth fleet   ${fmt(fan)}`);
    const slowest = Math.max(...singles.map((s) => s.p50));
    const rf = fan.p50 / slowest;

    console.log(`\n== 4. fan-out with a dead (refused) and a hung (never answers) cluster, default timeout`);
    const hole = createServer(() => undefined);
    await new Promise<void>((r) => hole.listen(0, '127.0.0.1', r));
    await api(berth.url, token, 'POST', '/api/v1/clusters/import', {
      name: 'dead',
      server: 'https://127.0.0.1:1',
      token: 'x',
      force: true,
    });
    await api(berth.url, token, 'POST', '/api/v1/clusters/import', {
      name: 'hung',
      server: `https://127.0.0.1:${(hole.address() as { port: number }).port}`,
      token: 'x',
      force: true,
    });
    const timeoutMs = 3000;
    const runs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await hit(
        through(`/api/v1/fleet/resources/pods?namespace=${NS}&max_per_cluster=500&page_size=500`),
      );
      runs.push(r.ms);
      const body = JSON.parse(r.body.toString());
      if (i === 0)
        console.log(
          `statuses: ${body.data.clusters.map((c: { cluster_name: string; status: string }) => `${c.cluster_name}=${c.status}`).join(' ')}`,
        );
    }
    hole.close();
    const worst = Math.max(...runs);
    console.log(
      `fleet with dead+hung: ${runs.map((m) => `${m.toFixed(0)}ms`).join(', ')} (timeout ${timeoutMs} ms)`,
    );

    console.log('\n== summary (targets from issue 4)');
    console.log(
      `500-pod page p50: berth ${b1.p50.toFixed(1)} ms vs direct ${dp50.toFixed(1)} ms = ${r50.toFixed(2)}x (target <= 1.15x) ${verdict(r50 <= 1.15)}`,
    );
    console.log(
      `500-pod page p99: berth ${b1.p99.toFixed(1)} ms vs direct ${dp99.toFixed(1)} ms = ${r99.toFixed(2)}x (target <= 1.30x) ${verdict(r99 <= 1.3)}`,
    );
    console.log(
      `500-pod page p50 vs kubectl proxy: berth ${b1.p50.toFixed(1)} ms vs ${k1.p50.toFixed(1)} ms = ${(b1.p50 / k1.p50).toFixed(2)}x (kubectl proxy vs direct ${(k1.p50 / dp50).toFixed(2)}x)`,
    );
    console.log(
      `500-pod page p99 vs kubectl proxy: berth ${b1.p99.toFixed(1)} ms vs ${k1.p99.toFixed(1)} ms = ${(b1.p99 / k1.p99).toFixed(2)}x`,
    );
    console.log(
      `one pod GET p50: berth ${bg.p50.toFixed(2)} ms, kubectl proxy ${kg.p50.toFixed(2)} ms, direct ${dg.p50.toFixed(2)} ms = ${(bg.p50 / dg.p50).toFixed(2)}x direct, ${(bg.p50 / kg.p50).toFixed(2)}x kubectl proxy`,
    );
    console.log(
      `fan-out p50: ${fan.p50.toFixed(1)} ms vs slowest single ${slowest.toFixed(1)} ms = ${rf.toFixed(2)}x (target <= 1.30x) ${verdict(rf <= 1.3)}`,
    );
    console.log(
      `dead+hung cluster: worst ${worst.toFixed(0)} ms <= timeout ${timeoutMs} ms + the healthy fan-out (${fan.p99.toFixed(0)} ms) ${verdict(worst <= timeoutMs + fan.p99 + 100)}`,
    );
  } finally {
    kproxy.proc.kill('SIGTERM');
    berth.proc.kill('SIGTERM');
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
