// Benchmark: kubectl and watches through Berth against the thinnest real peers, in one run, on the testbed.
//   npm run bench:live     (needs `scripts/testbed up`; builds Berth and starts it on a free port)
// 1. `kubectl get pods` of 1,000 pods through Berth's kubeconfig (/k8s/clusters/:id behind a small TLS
//    front, as kubectl sends a bearer token over https only) vs `kubectl proxy` vs direct: interleaved,
//    the first target rotating, p50 of N runs each and the median of the paired per-round ratios.
// 2. A watch event's delay at Berth's SSE client vs a direct watch of the API server opened at the same
//    time (per event: arrival at SSE − arrival at the direct watch).
// 3. 1,000 concurrent idle SSE watch streams on one Berth: RSS before, with them open, after closing (per
//    stream, two rounds), the TLS connections to the API server, and the live JS heap from heap snapshots
//    (before, with and after a third round).
// It ends with one table: each figure beside its goal (issue 12, "Performance").
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { api, freePort, heapMiB, interleave, liveHeapMiB, rssMiB, startKubectlProxy } from './lib.js';

interface Cluster {
  name: string;
  server: string;
  token: string;
  ca_data: string;
  kubeconfig_path: string;
}

const NS = 'berth-bench-kubectl';
const PODS = Number(process.env.BENCH_PODS ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 200);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 1000);
const ADMIN_PASSWORD = 'bench-admin-password';
const ROOT = new URL('..', import.meta.url).pathname;
/** Berth writes a heap snapshot on this signal (Nest's shutdown hooks take SIGUSR2, so not that one). */
const HEAP_SIGNAL = 'SIGWINCH';
const DB = 'berth_bench_live';
const DB_BASE = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/berth';
const dbUrl = (db: string) => DB_BASE.replace(/\/[^/]*$/, `/${db}`);
const KUBECTL = (() => {
  try {
    return execFileSync('bash', ['-c', 'ls -d ~/.cache/berth-testbed/helm-*/bin/kubectl | sort | tail -1'], {
      encoding: 'utf8',
    }).trim();
  } catch {
    return 'kubectl';
  }
})();

const clusters: Cluster[] = JSON.parse(readFileSync(`${ROOT}.testbed/state.json`, 'utf8'));
if (!clusters.length) throw new Error('the benchmark needs the testbed: scripts/testbed up');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ca = (c: Cluster) => Buffer.from(c.ca_data, 'base64').toString();
const pct = (l: number[], p: number) => {
  const s = [...l].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

function run(
  cmd: string,
  args: string[],
  input?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      args,
      { maxBuffer: 64 * 1024 * 1024, timeout: 300_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** A self-signed TLS front for 127.0.0.1 relaying raw TCP to Berth's plain-http port, in its own process (bench/tls-front.ts). */
async function tlsFront(dir: string, target: number) {
  const key = join(dir, 'front.key');
  const cert = join(dir, 'front.crt');
  const r = await run('openssl', [
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
  ]);
  if (r.code !== 0) throw new Error(`openssl: ${r.stderr}`);
  const port = await freePort();
  const proc = spawn(
    'node',
    ['--import', 'tsx/esm', `${ROOT}bench/tls-front.ts`, String(port), String(target), key, cert],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((r) => proc.stdout!.once('data', () => r()));
  return { proc, port, caFile: cert };
}

async function startBerth(port: number, env: Record<string, string>, heapDir: string): Promise<ChildProcess> {
  const proc = spawn(
    'node',
    [`--heapsnapshot-signal=${HEAP_SIGNAL}`, `--diagnostic-dir=${heapDir}`, 'dist/src/main.js'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        NODE_ENV: 'development',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: dbUrl(DB),
        BERTH_REDIS_PREFIX: 'berth-bench-live:',
        BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD,
        BERTH_WORKERS: 'false',
        LOG_LEVEL: 'warn',
        ...env,
      },
    },
  );
  for (let i = 0; i < 3000; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return proc;
    } catch {
      /* not up yet */
    }
    await sleep(10);
  }
  throw new Error('Berth did not become ready');
}

/** Calls `onLine` with each complete line of a streamed response, and the time its chunk arrived. */
function lines(res: IncomingMessage, sep: string, onLine: (line: string, at: number) => void) {
  let buf = '';
  res.setEncoding('utf8');
  res.on('data', (d: string) => {
    const at = performance.now();
    buf += d;
    let i: number;
    while ((i = buf.indexOf(sep)) >= 0) {
      onLine(buf.slice(0, i), at);
      buf = buf.slice(i + sep.length);
    }
  });
}

/** An SSE stream from Berth: each `data:` JSON with its arrival time; resolves once the response started. */
function sse(
  url: string,
  token: string,
  onEvent: (event: string, data: any, at: number) => void,
): Promise<{ res: IncomingMessage; close: () => void }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, agent: false },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          return reject(new Error(`SSE ${res.statusCode}`));
        }
        lines(res, '\n\n', (frame, at) => {
          const event = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (event && data) onEvent(event, JSON.parse(data), at);
        });
        res.on('error', () => undefined);
        resolve({ res, close: () => req.destroy() });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

interface Row {
  measure: string;
  value: string;
  goal: string;
  met: boolean | null;
}
const rows: Row[] = [];
const row = (measure: string, value: string, goal: string, met: boolean | null) =>
  rows.push({ measure, value, goal, met });
const x = (v: number) => `${v.toFixed(2)}x`;

/** Established TCP connections of `pid` to `port` (ss -tnp). */
function socketsTo(pid: number, port: string): number {
  try {
    const out = execFileSync('ss', ['-Htnp', 'state', 'established', 'dst', `127.0.0.1:${port}`], {
      encoding: 'utf8',
    });
    return out.split('\n').filter((l) => l.includes(`pid=${pid},`)).length;
  } catch {
    return NaN;
  }
}

async function main() {
  const [alpha] = clusters;
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-live-'));
  console.log(`creating ${PODS} pods in ${alpha.name}/${NS} (kubectl apply; kwok schedules them)`);
  // The testbed's kwok nodes take 110 pods each (the scheduler leaves the rest Pending): the pods are
  // bound to the nodes in turn (spec.nodeName), and kwok runs them all.
  const nodes = (
    await run(KUBECTL, ['--kubeconfig', alpha.kubeconfig_path, 'get', 'nodes', '-o', 'name'])
  ).stdout
    .split('\n')
    .filter(Boolean)
    .map((n) => n.replace('node/', ''));
  const pods = Array.from(
    { length: PODS },
    (_, i) =>
      `---\napiVersion: v1\nkind: Pod\nmetadata: {name: bench-${String(i).padStart(4, '0')}, namespace: ${NS}, labels: {app: bench}}\nspec: {nodeName: ${nodes[i % nodes.length]}, containers: [{name: app, image: nginx:1.27}]}\n`,
  ).join('');
  for (let i = 0; ; i++) {
    const ns = await run(KUBECTL, [
      '--kubeconfig',
      alpha.kubeconfig_path,
      'get',
      'namespace',
      NS,
      '-o',
      'name',
    ]);
    if (ns.code !== 0) break; // gone (a previous run's namespace may still be terminating)
    if (i > 120) throw new Error(`namespace ${NS} is still there from an earlier run`);
    await sleep(1000);
  }
  const applied = await run(
    KUBECTL,
    ['--kubeconfig', alpha.kubeconfig_path, 'apply', '--server-side', '-f', '-'],
    `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${NS}}\n${pods}`,
  );
  if (applied.code !== 0) throw new Error(`kubectl apply: ${applied.stderr}`);

  execFileSync('bash', ['-c', `source ${ROOT}scripts/lib.sh && ensure_build`], { stdio: 'inherit' });
  const admin = new pg.Client({ connectionString: dbUrl('postgres') });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.end();

  const port = await freePort();
  const front = await tlsFront(dir, port);
  const heapDir = join(dir, 'heap');
  mkdirSync(heapDir);
  const berth = await startBerth(
    port,
    {
      BERTH_PUBLIC_URL: `https://127.0.0.1:${front.port}`,
      BERTH_KUBECONFIG_CA_FILE: front.caFile,
      BERTH_WATCH_MAX_STREAMS: String(STREAMS + 100),
      BERTH_WATCH_MAX_STREAMS_PER_CALLER: String(STREAMS + 100),
    },
    heapDir,
  );
  const url = `http://127.0.0.1:${port}`;
  const kproxy = await startKubectlProxy(alpha.kubeconfig_path, KUBECTL);
  try {
    const token = (
      await api(url, null, 'POST', '/api/v1/auth/login', { username: 'admin', password: ADMIN_PASSWORD })
    ).json.data.access_token as string;
    const imp = await api(url, token, 'POST', '/api/v1/clusters/import', {
      name: 'alpha',
      kubeconfig: readFileSync(alpha.kubeconfig_path, 'utf8'),
    });
    if (imp.status !== 201) throw new Error(`import: ${imp.status} ${JSON.stringify(imp.json)}`);
    const id = imp.json.data.id as string;
    const kc = await api(url, token, 'GET', `/api/v1/kubeconfig?clusters=${id}`);
    const berthConfig = join(dir, 'berth.kubeconfig');
    writeFileSync(berthConfig, kc.json.data.kubeconfig as string, { mode: 0o600 });
    const proxyConfig = join(dir, 'proxy.kubeconfig');
    writeFileSync(
      proxyConfig,
      `apiVersion: v1\nkind: Config\nclusters: [{name: p, cluster: {server: "${kproxy.url}"}}]\nusers: [{name: p, user: {}}]\ncontexts: [{name: p, context: {cluster: p, user: p}}]\ncurrent-context: p\n`,
    );

    // 1. kubectl get pods
    for (let i = 0; ; i++) {
      const r = await run(KUBECTL, [
        '--kubeconfig',
        alpha.kubeconfig_path,
        'get',
        'pods',
        '-n',
        NS,
        '--no-headers',
      ]);
      const n = r.stdout.split('\n').filter((l) => l.includes(' Running ')).length;
      if (n >= PODS) break;
      if (i % 5 === 0) console.log(`  ${n}/${PODS} pods running`);
      if (i > 300) throw new Error('pods did not start');
      await sleep(1000);
    }
    const targets = [
      { label: 'direct', config: alpha.kubeconfig_path },
      { label: 'kubectl proxy', config: proxyConfig },
      { label: 'berth', config: berthConfig },
    ];
    const getPods = async (config: string) => {
      const started = performance.now();
      const r = await run(KUBECTL, ['--kubeconfig', config, 'get', 'pods', '-n', NS]);
      const ms = performance.now() - started;
      const n = r.stdout.split('\n').filter((l) => l.startsWith('bench-')).length;
      if (r.code !== 0 || n !== PODS) throw new Error(`kubectl get pods (${config}): ${n} pods, ${r.stderr}`);
      return ms;
    };
    for (const t of targets) for (let i = 0; i < 2; i++) await getPods(t.config); // discovery cache, TLS
    console.log(`\n== kubectl get pods of ${PODS} pods, ${RUNS} rounds interleaved`);
    const ms: number[][] = targets.map(() => []);
    for (let round = 0; round < RUNS; round++)
      for (let k = 0; k < targets.length; k++) {
        const i = (round + k) % targets.length;
        ms[i].push(await getPods(targets[i].config));
      }
    const [d, k, b] = ms.map((l) => pct(l, 50));
    for (let i = 0; i < targets.length; i++)
      console.log(
        `${targets[i].label.padEnd(14)} p50=${pct(ms[i], 50).toFixed(0)}ms p90=${pct(ms[i], 90).toFixed(0)}ms`,
      );
    const paired = (a: number[], c: number[]) =>
      pct(
        a.map((v, i) => v / c[i]),
        50,
      );
    row(
      `kubectl get pods (${PODS}) p50 vs kubectl proxy`,
      `${b.toFixed(0)} / ${k.toFixed(0)} ms = ${x(b / k)} (paired median ${x(paired(ms[2], ms[1]))})`,
      '<= 1.1x',
      b / k <= 1.1,
    );
    row(
      `kubectl get pods (${PODS}) p50 vs direct`,
      `${b.toFixed(0)} / ${d.toFixed(0)} ms = ${x(b / d)} (paired median ${x(paired(ms[2], ms[0]))}; proxy ${x(k / d)})`,
      '<= 1.2x',
      b / d <= 1.2,
    );

    // The same page as kubectl asks for it (a Table of 500), one HTTP request each, no kubectl process:
    // whether the difference above is the proxy path or the rest of kubectl's run.
    const table = {
      accept:
        'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json',
    };
    const page = `/api/v1/namespaces/${NS}/pods?limit=500`;
    const pat = kc.json.data.kubeconfig.match(/token: (\S+)/)[1] as string;
    const [hd, hk, hb, hp, vd, vb] = await interleave(
      [
        {
          url: alpha.server + page,
          headers: { ...table, authorization: `Bearer ${alpha.token}` },
          ca: ca(alpha),
        },
        { url: kproxy.url + page, headers: table },
        {
          url: `https://127.0.0.1:${front.port}/k8s/clusters/${id}${page}`,
          headers: { ...table, authorization: `Bearer ${pat}` },
          ca: readFileSync(front.caFile, 'utf8'),
        },
        { url: `${url}/k8s/clusters/${id}${page}`, headers: { ...table, authorization: `Bearer ${pat}` } },
        {
          url: `${alpha.server}/version`,
          headers: { authorization: `Bearer ${alpha.token}` },
          ca: ca(alpha),
        },
        { url: `${url}/k8s/clusters/${id}/version`, headers: { authorization: `Bearer ${pat}` } },
      ],
      { seconds: 8 },
    );
    console.log(
      `Table page of 500 over HTTP: direct p50=${hd.p50.toFixed(1)}ms, kubectl proxy ${hk.p50.toFixed(1)}ms, berth ${hb.p50.toFixed(1)}ms, berth without the TLS front ${hp.p50.toFixed(1)}ms (${hb.n} each, ${hb.errors + hp.errors} errors); /version direct ${vd.p50.toFixed(1)}ms, berth ${vb.p50.toFixed(1)}ms`,
    );
    row(
      '  (same page, Berth without the TLS front; /version berth vs direct)',
      `${hp.p50.toFixed(1)} ms = ${x(hp.p50 / hk.p50)}; ${vb.p50.toFixed(2)} / ${vd.p50.toFixed(2)} ms`,
      '',
      null,
    );
    row(
      '  (one Table page of 500 over HTTP: berth vs kubectl proxy, vs direct)',
      `${hb.p50.toFixed(1)} / ${hk.p50.toFixed(1)} ms = ${x(hb.p50 / hk.p50)}, ${x(hb.p50 / hd.p50)}`,
      '',
      null,
    );

    // 2. watch event delay: SSE vs a direct watch opened at the same time
    const cmPath = `/api/v1/namespaces/${NS}/configmaps`;
    const kube = (method: string, path: string, body?: unknown, type = 'application/json') =>
      new Promise<{ status: number; json: any }>((resolve, reject) => {
        const req = httpsRequest(
          alpha.server + path,
          {
            method,
            ca: ca(alpha),
            headers: {
              authorization: `Bearer ${alpha.token}`,
              'content-type': type,
              accept: 'application/json',
            },
          },
          (res) => {
            let t = '';
            res.on('data', (c) => (t += c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, json: t ? JSON.parse(t) : null }));
          },
        );
        req.on('error', reject);
        req.end(body === undefined ? undefined : JSON.stringify(body));
      });
    await kube('POST', cmPath, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'bench' },
      data: { i: '0' },
    });
    const atSse = new Map<string, number>();
    const atDirect = new Map<string, number>();
    let sseReady = false;
    const sseWatch = await sse(
      `${url}/api/v1/clusters/${id}/resources/configmaps?namespace=${NS}&watch=true`,
      token,
      (event, data, at) => {
        if (event === 'BOOKMARK') sseReady = true;
        if (event === 'MODIFIED') atSse.set(data.object.metadata.resourceVersion, at);
      },
    );
    const directReq = httpsRequest(`${alpha.server}${cmPath}?watch=true`, {
      ca: ca(alpha),
      headers: { authorization: `Bearer ${alpha.token}` },
    });
    let directReady = false;
    directReq.on('response', (res) =>
      lines(res, '\n', (line, at) => {
        const e = JSON.parse(line);
        if (e.type === 'ADDED') directReady = true;
        if (e.type === 'MODIFIED') atDirect.set(e.object.metadata.resourceVersion, at);
      }),
    );
    directReq.end();
    for (let i = 0; !(sseReady && directReady); i++) {
      if (i > 500) throw new Error('watches did not start');
      await sleep(10);
    }
    console.log(`\n== watch event delay: ${CHANGES} ConfigMap changes`);
    const delays: number[] = [];
    for (let i = 1; i <= CHANGES; i++) {
      const r = await kube(
        'PATCH',
        `${cmPath}/bench`,
        { data: { i: String(i) } },
        'application/merge-patch+json',
      );
      const rv = r.json.metadata.resourceVersion as string;
      for (let w = 0; !(atSse.has(rv) && atDirect.has(rv)); w++) {
        if (w > 1000) throw new Error(`event ${rv} did not arrive at both watches`);
        await sleep(1);
      }
      delays.push(atSse.get(rv)! - atDirect.get(rv)!);
      await sleep(10);
    }
    sseWatch.close();
    directReq.destroy();
    const [w50, w99] = [pct(delays, 50), pct(delays, 99)];
    console.log(
      `delay p50=${w50.toFixed(2)}ms p90=${pct(delays, 90).toFixed(2)}ms p99=${w99.toFixed(2)}ms max=${Math.max(...delays).toFixed(2)}ms`,
    );
    row(
      'watch event at SSE client - at direct watch',
      `p50 ${w50.toFixed(2)} ms, p99 ${w99.toFixed(2)} ms (${CHANGES} events)`,
      'p99 <= 20 ms',
      w99 <= 20,
    );

    // 3. idle watch streams: RSS per stream and after closing, two rounds; then the live JS heap (a heap
    // snapshot runs a full GC first) before, with and after a third round: what is really held per stream
    // and whether anything stays behind. The snapshots cost memory themselves, so the RSS rounds come first.
    const pid = berth.pid!;
    const upPort = new URL(alpha.server).port;
    await sleep(3000);
    const state = async () => ({
      rss: rssMiB(pid),
      heap: await heapMiB(url),
      sockets: socketsTo(pid, upPort),
    });
    const cycle = async (label: string, whileOpen?: () => Promise<void>) => {
      const before = await state();
      console.log(
        `\n== round ${label}: ${STREAMS} idle SSE watch streams (RSS before ${before.rss.toFixed(0)} MiB, heap ${before.heap.used.toFixed(0)}/${before.heap.total.toFixed(0)} MiB)`,
      );
      const open: { close: () => void }[] = [];
      let ready = 0;
      let failed = 0;
      const errors = new Map<string, number>();
      const opened = performance.now();
      for (let i = 0; i < STREAMS; i += 50) {
        const batch = await Promise.allSettled(
          Array.from({ length: Math.min(50, STREAMS - i) }, () =>
            sse(
              `${url}/api/v1/clusters/${id}/resources/configmaps?namespace=${NS}&watch=true`,
              token,
              (event, data) => {
                if (event === 'BOOKMARK') ready++;
                if (event === 'error' || event === 'CLUSTER_UNREACHABLE') {
                  const k = `${event} ${data.reason ?? data.error?.message ?? ''}`;
                  errors.set(k, (errors.get(k) ?? 0) + 1);
                }
              },
            ),
          ),
        );
        for (const r of batch)
          if (r.status === 'fulfilled') open.push(r.value);
          else {
            failed++;
            errors.set(String(r.reason.message), (errors.get(String(r.reason.message)) ?? 0) + 1);
          }
      }
      for (let i = 0; ready < open.length && i < 600; i++) await sleep(100);
      const openMs = performance.now() - opened;
      await sleep(3000);
      const during = await state();
      console.log(
        `${open.length} open (${ready} past the initial list, ${failed} refused) in ${openMs.toFixed(0)} ms; RSS ${during.rss.toFixed(0)} MiB (${(((during.rss - before.rss) * 1024) / Math.max(1, ready)).toFixed(1)} KiB per stream); heap ${during.heap.used.toFixed(0)}/${during.heap.total.toFixed(0)} MiB; TLS connections to the API server ${during.sockets}${errors.size ? `; errors: ${[...errors].map(([k, v]) => `${k} x${v}`).join(', ')}` : ''}`,
      );
      await whileOpen?.();
      for (const o of open) o.close();
      let after = await state();
      for (let i = 0; i < 15; i++) {
        await sleep(1000);
        after = await state();
        if (after.rss - before.rss < (during.rss - before.rss) / 4) break;
      }
      console.log(
        `closed: RSS ${after.rss.toFixed(0)} MiB, heap ${after.heap.used.toFixed(0)}/${after.heap.total.toFixed(0)} MiB; TLS connections to the API server ${after.sockets}`,
      );
      return { before, during, after, ready, failed, errors };
    };
    const first = await cycle('1');
    // A second open / close: RSS that V8 and malloc keep after the first is reused, not grown, if nothing leaks.
    const second = await cycle('2');
    const live0 = await liveHeapMiB(pid, heapDir, HEAP_SIGNAL);
    let liveOpen = NaN;
    const third = await cycle('3 (heap snapshots)', async () => {
      liveOpen = await liveHeapMiB(pid, heapDir, HEAP_SIGNAL);
    });
    await sleep(2000);
    const liveAfter = await liveHeapMiB(pid, heapDir, HEAP_SIGNAL);
    console.log(
      `live JS heap (after a full GC): ${live0.toFixed(1)} MiB before, ${liveOpen.toFixed(1)} MiB with ${third.ready} streams, ${liveAfter.toFixed(1)} MiB after closing them`,
    );
    const per = (r: typeof first) => ((r.during.rss - r.before.rss) * 1024) / Math.max(1, r.ready);
    row(
      `${STREAMS} idle SSE watch streams: RSS per stream, round 1 / round 2`,
      `${per(first).toFixed(1)} / ${per(second).toFixed(1)} KiB (${first.before.rss.toFixed(0)} -> ${first.during.rss.toFixed(0)} MiB)`,
      'flat memory',
      null,
    );
    row(
      '  live JS heap per stream (heap snapshot, after a full GC)',
      `${(((liveOpen - live0) * 1024) / Math.max(1, third.ready)).toFixed(1)} KiB (${live0.toFixed(1)} -> ${liveOpen.toFixed(1)} MiB)`,
      '',
      null,
    );
    row(
      '  streams ready / refused; TLS connections to the API server before / open / after',
      `${first.ready} / ${first.failed}; ${first.before.sockets} / ${first.during.sockets} / ${first.after.sockets}${first.errors.size ? ` (${[...first.errors].map(([k2, v]) => `${k2} x${v}`).join(', ')})` : ''}`,
      `all ${STREAMS} open`,
      first.ready === STREAMS && first.failed === 0,
    );
    row(
      '  live JS heap left after closing them (after a full GC)',
      `${(liveAfter - live0).toFixed(1)} MiB (${live0.toFixed(1)} -> ${liveAfter.toFixed(1)} MiB)`,
      '<= 2 MiB',
      liveAfter - live0 <= 2,
    );
    row(
      '  memory returns after closing (RSS)',
      `${(first.after.rss - first.before.rss).toFixed(0)} of ${(first.during.rss - first.before.rss).toFixed(0)} MiB still held (RSS; heap used ${first.after.heap.used.toFixed(0)} of ${first.after.heap.total.toFixed(0)} MiB)`,
      '<= 1/4 held',
      first.after.rss - first.before.rss <= Math.max(4, (first.during.rss - first.before.rss) / 4),
    );
    row(
      `  a second ${STREAMS} open / closed: RSS open / after`,
      `${second.during.rss.toFixed(0)} / ${second.after.rss.toFixed(0)} MiB (${second.during.rss - first.during.rss >= 0 ? '+' : ''}${(second.during.rss - first.during.rss).toFixed(0)} MiB over the first), ${second.ready} ready`,
      'no growth (<= +10 MiB)',
      second.during.rss - first.during.rss <= 10 && second.ready === STREAMS,
    );

    console.log('\n== summary (goals: issue 12, Performance)\n');
    const w = Math.max(...rows.map((r) => r.measure.length));
    const v = Math.max(...rows.map((r) => r.value.length));
    console.log(`| ${'measure'.padEnd(w)} | ${'Berth (paired, same run)'.padEnd(v)} | goal | |`);
    console.log(`|${'-'.repeat(w + 2)}|${'-'.repeat(v + 2)}|---|---|`);
    for (const r of rows)
      console.log(
        `| ${r.measure.padEnd(w)} | ${r.value.padEnd(v)} | ${r.goal} | ${r.met === null ? '' : r.met ? 'met' : 'MISSED'} |`,
      );
  } finally {
    kproxy.proc.kill('SIGTERM');
    if (berth.exitCode === null) {
      const exited = new Promise((r) => berth.once('exit', r));
      berth.kill('SIGTERM');
      await exited;
    }
    front.proc.kill('SIGTERM');
    await run(KUBECTL, ['--kubeconfig', alpha.kubeconfig_path, 'delete', 'namespace', NS, '--wait=false']);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
