// Berth testbed CLI: several small real Kubernetes clusters on 127.0.0.1, run by kwokctl (binary
// runtime) from binaries built by scripts/testbed-build. Invoked through scripts/testbed.
//
//   up [--clusters N] [--nodes M]   build if needed, start/reuse N clusters with M Ready nodes each
//   down                            stop everything started here and remove .testbed/
//   status [--json]                 one line per cluster: up/down, server, pids
//   stop <name> / start <name>      stop/start one cluster's processes, keeping its data and address
//
// Node builtins only (runs before `npm install`).
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureObject, getVersion, isNodeReady, kubeRequest, sleep, waitFor } from './kube.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const TB = join(ROOT, '.testbed');
const versions = readVersions();
const KWOK_WORKDIR = join(TB, 'kwok');
const META = join(TB, 'testbed.json'); // internal bookkeeping (ports, tokens, bin dir)
const STATE = join(TB, 'state.json'); // public: what tests and the app read
const NAMES = [
  'alpha',
  'beta',
  'gamma',
  'delta',
  'epsilon',
  'zeta',
  'eta',
  'theta',
  'iota',
  'kappa',
  'lambda',
  'mu',
  'nu',
  'xi',
  'omicron',
  'pi',
  'rho',
  'sigma',
  'tau',
  'upsilon',
  'phi',
  'chi',
  'psi',
  'omega',
];
// Each cluster gets a block of PORT_STRIDE ports from PORT_BASE (default 16400-16879 for 24
// clusters): far from the app (3000-3100), Postgres (5432) and Redis (6379).
const PORT_BASE = Number(process.env.BERTH_TESTBED_PORT_BASE ?? 16400);
const PORT_STRIDE = 20;
const PORT_OFFSETS = {
  kubeApiserver: 0,
  etcd: 1,
  etcdPeer: 2,
  kubeControllerManager: 3,
  kubeScheduler: 4,
  kwokController: 5,
  metricsServer: 6,
};
// kwokctl fetches metrics-server's manifests from a release URL; instead its manifest cache is
// seeded (seedManifestCache) with the manifests taken from the metrics-server Go module at build
// time, under this never-resolvable key.
const KWOK_CACHE = join(KWOK_WORKDIR, 'cache');
const METRICS_SERVER_MANIFEST_URL = `https://metrics-server.berth-testbed.invalid/${versions.METRICS_SERVER_VERSION}/components.yaml`;
const LIMITED_ROLE = 'berth-testbed-namespace-reader';
const KWOK_PREFIX = 'berth-';

function readVersions() {
  const out = {};
  for (const line of readFileSync(join(ROOT, 'test/testbed/versions.env'), 'utf8').split('\n')) {
    const m = /^([A-Z_]+)=(\S+)/.exec(line);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

function log(msg) {
  process.stderr.write(`testbed: ${msg}\n`);
}

function fail(msg) {
  const e = new Error(msg);
  e.userFacing = true;
  throw e;
}

function run(cmd, args, { env, quiet = false, timeoutMs = 10 * 60 * 1000 } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => {
      err += d;
      if (!quiet) process.stderr.write(d);
    });
    child.on('error', (e) => reject(new Error(`cannot run ${cmd}: ${e.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolvePromise({ out, err });
      else
        reject(
          new Error(
            `${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`})${quiet ? `:\n${err.slice(-2000)}` : ''}`,
          ),
        );
    });
  });
}

// ---------------------------------------------------------------- bookkeeping

function readJson(path, fallback) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return fallback;
  }
}

function writeJsonAtomic(path, value) {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, path);
}

function loadMeta() {
  return readJson(META, { clusters: {} });
}

function clusterDir(name) {
  return join(TB, 'clusters', name);
}

function kwokName(name) {
  return KWOK_PREFIX + name;
}

function kwokClusterDir(name) {
  return join(KWOK_WORKDIR, 'clusters', kwokName(name));
}

function caPem(name) {
  return readFileSync(join(kwokClusterDir(name), 'pki', 'ca.crt'));
}

function conn(meta, name, token) {
  const c = meta.clusters[name];
  return { server: `https://127.0.0.1:${c.ports.kubeApiserver}`, ca: caPem(name), token: token ?? c.token };
}

function kubeconfigYaml(name, server, caData, token) {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${name}`,
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${caData}`,
    'users:',
    `- name: ${name}-admin`,
    '  user:',
    `    token: ${token}`,
    'contexts:',
    `- name: ${name}`,
    '  context:',
    `    cluster: ${name}`,
    `    user: ${name}-admin`,
    `current-context: ${name}`,
    '',
  ].join('\n');
}

/** Writes .testbed/state.json and .testbed/<name>.kubeconfig for every known cluster. */
function writeState(meta) {
  const names = Object.keys(meta.clusters).sort((a, b) => meta.clusters[a].index - meta.clusters[b].index);
  const state = [];
  for (const name of names) {
    const c = meta.clusters[name];
    if (!existsSync(join(kwokClusterDir(name), 'pki', 'ca.crt'))) continue;
    const server = `https://127.0.0.1:${c.ports.kubeApiserver}`;
    const caData = caPem(name).toString('base64');
    const kubeconfigPath = join(TB, `${name}.kubeconfig`);
    writeFileSync(kubeconfigPath, kubeconfigYaml(name, server, caData, c.token), { mode: 0o600 });
    state.push({
      name,
      server,
      token: c.token,
      ca_data: caData,
      kubeconfig_path: kubeconfigPath,
      limited_token: c.limitedToken,
    });
  }
  writeJsonAtomic(STATE, state);
  return state;
}

// ---------------------------------------------------------------- locking

async function withLock(fn) {
  mkdirSync(TB, { recursive: true });
  const lock = join(TB, '.lock');
  const deadline = Date.now() + 15 * 60 * 1000;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      const holder = Number(readJson(join(lock, 'pid'), NaN) || readFileSafe(join(lock, 'pid')));
      if (!holder || !pidAlive(holder)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) fail(`another 'scripts/testbed' (pid ${holder}) holds ${lock}`);
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function readFileSafe(p) {
  try {
    return readFileSync(p, 'utf8').trim();
  } catch {
    return '';
  }
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

/** pid files kwokctl's binary runtime keeps for each component of a cluster. */
function componentPids(name) {
  const dir = join(kwokClusterDir(name), 'pids');
  const out = {};
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('.pid')) continue;
    const pid = Number(readFileSafe(join(dir, f)));
    if (pid) out[f.replace(/\.pid$/, '')] = pid;
  }
  return out;
}

function rssKiB(pid) {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSafe(`/proc/${pid}/status`));
  return m ? Number(m[1]) : 0;
}

/** Waits up to timeoutMs for the pids to exit, then SIGKILLs what is left. */
async function reap(name, pids, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  while (Object.values(pids).some(pidAlive) && Date.now() < deadline) await sleep(200);
  for (const [comp, pid] of Object.entries(pids)) {
    if (pidAlive(pid)) {
      log(`killing leftover ${comp} (pid ${pid}) of ${name}`);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
  }
}

/** pids whose executable path is under this checkout's kwok workdir. */
function orphanPids() {
  const prefix = join(KWOK_WORKDIR, 'clusters') + '/';
  const out = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const argv0 = readFileSafe(`/proc/${entry}/cmdline`).split('\0')[0];
    if (argv0.startsWith(prefix)) out.push(Number(entry));
  }
  return out;
}

function portFree(port) {
  return new Promise((resolvePromise) => {
    const srv = createServer();
    srv.once('error', () => resolvePromise(false));
    srv.listen({ host: '127.0.0.1', port, exclusive: true }, () => srv.close(() => resolvePromise(true)));
  });
}

// ---------------------------------------------------------------- build

async function build() {
  const script = join(ROOT, 'scripts/testbed-build');
  const { out } = await run(script, [], { quiet: false, timeoutMs: 3 * 60 * 60 * 1000 }).catch((e) => {
    fail(`building the testbed binaries failed (see the messages above). ${e.message}`);
  });
  const bin = out.trim().split('\n').pop();
  for (const b of [
    'kube-apiserver',
    'kube-controller-manager',
    'kube-scheduler',
    'etcd',
    'kwok',
    'kwokctl',
    'metrics-server',
  ]) {
    if (!existsSync(join(bin, b))) fail(`build finished but ${join(bin, b)} is missing`);
  }
  return bin;
}

function kwokctl(bin, args, opts = {}) {
  return run(join(bin, 'kwokctl'), args, {
    ...opts,
    env: {
      KWOK_WORKDIR,
      KWOK_RUNTIME: 'binary',
      // never let kwokctl reach for a download: all binaries are local
      KWOK_KUBE_BINARY_PREFIX: bin,
      KWOK_ETCD_BINARY: join(bin, 'etcd'),
      KWOK_CONTROLLER_BINARY: join(bin, 'kwok'),
      ...opts.env,
    },
  });
}

// ---------------------------------------------------------------- cluster lifecycle

function kwokConfigYaml(name, c, bin) {
  const dir = clusterDir(name);
  const p = c.ports;
  return `apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokctlConfiguration
options:
  runtime: binary
  bindAddress: 127.0.0.1
  securePort: true
  kubeAuthorization: true
  kubeAdmission: true
  kubeApiserverPort: ${p.kubeApiserver}
  etcdPort: ${p.etcd}
  etcdPeerPort: ${p.etcdPeer}
  kubeControllerManagerPort: ${p.kubeControllerManager}
  kubeSchedulerPort: ${p.kubeScheduler}
  kwokControllerPort: ${p.kwokController}
  metricsServerPort: ${p.metricsServer}
  kubeApiserverBinary: ${join(bin, 'kube-apiserver')}
  kubeControllerManagerBinary: ${join(bin, 'kube-controller-manager')}
  kubeSchedulerBinary: ${join(bin, 'kube-scheduler')}
  etcdBinary: ${join(bin, 'etcd')}
  kwokControllerBinary: ${join(bin, 'kwok')}
  metricsServerBinary: ${join(bin, 'metrics-server')}
  enable:
  - metrics-server
  cacheDir: ${KWOK_CACHE}
  metricsServerManifests:
  - ${METRICS_SERVER_MANIFEST_URL}
  etcdQuotaBackendSize: 256Mi
componentsPatches:
- name: kube-apiserver
  extraArgs:
  - key: token-auth-file
    value: ${join(dir, 'tokens.csv')}
  # ConfigMap watches are served from etcd, not the watch cache: a test that compacts etcd gets a real
  # 410 Gone for an old resourceVersion, however young the cluster is.
  - key: watch-cache-sizes
    value: configmaps#0
- name: metrics-server
  extraArgs:
  - key: metric-resolution
    value: 10s
    override: true
  - key: kubelet-request-timeout
    value: 5s
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterLogs
metadata:
  name: berth-testbed-logs
spec:
  selector: {}
  logs:
  - containers: []
    logsFile: ${join(dir, 'pod.log')}
    previousLogsFile: ${join(dir, 'pod.log')}
    follow: false
---
# exec / attach run the command on this machine, in the cluster's directory (kwok's "local" exec target)
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterExec
metadata:
  name: berth-testbed-exec
spec:
  selector: {}
  execs:
  - containers: []
    local:
      workDir: ${dir}
---
# port-forward to any port of any pod is an echo: the bytes sent come back (kwok runs the command per connection)
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterPortForward
metadata:
  name: berth-testbed-port-forward
spec:
  selector: {}
  forwards:
  - ports: []
    command: [cat]
---
${readFileSync(join(ROOT, 'test/testbed/kwok/metrics-resource.yaml'), 'utf8')}`;
}

/** A small container log in CRI format (what kwok's log endpoint reads). */
function podLog(name) {
  const lines = [];
  const t0 = Date.UTC(2026, 0, 1, 0, 0, 0);
  for (let i = 1; i <= 20; i++) {
    const ts = new Date(t0 + i * 1000).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
    const stream = i % 5 === 0 ? 'stderr' : 'stdout';
    lines.push(
      `${ts} ${stream} F berth-testbed ${name}: log line ${i}${stream === 'stderr' ? ' (warning)' : ''}`,
    );
  }
  return lines.join('\n') + '\n';
}

async function allocateCluster(meta, name) {
  const used = new Set(
    Object.entries(meta.clusters)
      .filter(([n]) => n !== name)
      .map(([, c]) => c.index),
  );
  let index = NAMES.indexOf(name);
  if (index < 0) index = NAMES.length;
  while (used.has(index)) index++;
  const base = PORT_BASE + index * PORT_STRIDE;
  const ports = Object.fromEntries(Object.entries(PORT_OFFSETS).map(([k, off]) => [k, base + off]));
  for (const [k, port] of Object.entries(ports)) {
    if (!(await portFree(port))) {
      fail(
        `port ${port} (${k} of cluster ${name}) on 127.0.0.1 is already in use by another program; ` +
          `free it or choose other ports with BERTH_TESTBED_PORT_BASE (now ${PORT_BASE})`,
      );
    }
  }
  return {
    index,
    ports,
    token: `berth-${name}-admin-${randomBytes(16).toString('hex')}`,
    limitedToken: `berth-${name}-limited-${randomBytes(16).toString('hex')}`,
    createdAt: new Date().toISOString(),
  };
}

function sha256(text) {
  return createHash('sha256').update(text).digest('hex');
}

/** True when the cluster was created from the same kwokctl configuration (binaries, flags) as now. */
function configCurrent(meta, name, bin) {
  const c = meta.clusters[name];
  return c.configHash === sha256(kwokConfigYaml(name, c, bin));
}

async function deleteCluster(meta, name, bin) {
  const pids = componentPids(name);
  if (bin && existsSync(join(bin, 'kwokctl')) && existsSync(kwokClusterDir(name))) {
    log(`deleting cluster ${name} ...`);
    await kwokctl(bin, ['delete', 'cluster', '--name', kwokName(name)], { quiet: true }).catch((e) =>
      log(`kwokctl delete cluster ${name}: ${e.message}`),
    );
  }
  await reap(name, pids);
  rmSync(kwokClusterDir(name), { recursive: true, force: true });
  rmSync(clusterDir(name), { recursive: true, force: true });
}

function seedManifestCache(bin) {
  const src = join(dirname(bin), 'manifests', 'metrics-server-components.yaml');
  if (!existsSync(src)) fail(`${src} is missing; run scripts/testbed build`);
  const key = createHash('sha256').update(METRICS_SERVER_MANIFEST_URL).digest('hex');
  mkdirSync(join(KWOK_CACHE, 'manifest'), { recursive: true });
  writeFileSync(join(KWOK_CACHE, 'manifest', `${key}.yaml`), readFileSync(src));
}

async function createCluster(meta, name, bin) {
  const c = await allocateCluster(meta, name);
  const dir = clusterDir(name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'tokens.csv'),
    `${c.token},berth-admin,berth-admin,"system:masters"\n${c.limitedToken},berth-limited,berth-limited,"berth:limited"\n`,
    { mode: 0o600 },
  );
  writeFileSync(join(dir, 'pod.log'), podLog(name));
  const config = kwokConfigYaml(name, c, bin);
  writeFileSync(join(dir, 'kwok.yaml'), config);
  c.configHash = sha256(config);
  // remove leftovers of an earlier, half-created cluster of the same name
  if (existsSync(kwokClusterDir(name))) {
    await kwokctl(bin, ['delete', 'cluster', '--name', kwokName(name)], { quiet: true }).catch(() => {});
    rmSync(kwokClusterDir(name), { recursive: true, force: true });
  }
  seedManifestCache(bin);
  meta.clusters[name] = c;
  writeJsonAtomic(META, meta);
  const t0 = Date.now();
  log(`creating cluster ${name} on https://127.0.0.1:${c.ports.kubeApiserver} ...`);
  await kwokctl(
    bin,
    [
      'create',
      'cluster',
      '--name',
      kwokName(name),
      '--config',
      join(dir, 'kwok.yaml'),
      '--wait',
      '3m',
      '--quiet-pull',
    ],
    {
      quiet: true,
    },
  ).catch((e) =>
    fail(`creating cluster ${name} failed: ${e.message}\n(logs: ${join(kwokClusterDir(name), 'logs')})`),
  );
  log(`cluster ${name} created in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

async function startCluster(meta, name, bin) {
  log(`starting cluster ${name} ...`);
  await kwokctl(bin, ['start', 'cluster', '--name', kwokName(name), '--wait', '3m'], { quiet: true }).catch(
    (e) =>
      fail(`starting cluster ${name} failed: ${e.message}\n(logs: ${join(kwokClusterDir(name), 'logs')})`),
  );
}

async function stopCluster(meta, name, bin) {
  log(`stopping cluster ${name} ...`);
  const pids = componentPids(name);
  await kwokctl(bin, ['stop', 'cluster', '--name', kwokName(name)], { quiet: true }).catch((e) =>
    log(`kwokctl stop cluster ${name}: ${e.message}`),
  );
  // make sure nothing of it is left running (kwokctl signals by pid file; be thorough)
  await reap(name, pids);
}

function nodeAnnotations(nodeName) {
  return {
    'node.alpha.kubernetes.io/ttl': '0',
    'kwok.x-k8s.io/node': 'fake',
    // metrics-server >= 0.7 scrapes this path on the node's (= kwok-controller's) port instead of
    // /metrics/resource; kwok serves it from its Metric "metrics-resource" (added by kwokctl)
    'metrics.k8s.io/resource-metrics-path': `/metrics/nodes/${nodeName}/metrics/resource`,
  };
}

function nodeManifest(cluster, nodeName) {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: nodeName,
      annotations: nodeAnnotations(nodeName),
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': nodeName,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/role': 'agent',
        'node-role.kubernetes.io/agent': '',
        type: 'kwok',
        'berth.dev/testbed-cluster': cluster,
      },
    },
    spec: {},
    status: {
      allocatable: { cpu: '8', memory: '32Gi', pods: '110' },
      capacity: { cpu: '8', memory: '32Gi', pods: '110' },
      nodeInfo: {
        architecture: 'amd64',
        bootID: '',
        containerRuntimeVersion: 'kwok',
        kernelVersion: '',
        kubeProxyVersion: 'fake',
        kubeletVersion: 'fake',
        machineID: '',
        operatingSystem: 'linux',
        osImage: '',
        systemUUID: '',
      },
      phase: 'Running',
    },
  };
}

/** Everything after the control plane answers: RBAC for the limited user, nodes, readiness. */
async function configureCluster(meta, name, nodes) {
  const k = conn(meta, name);
  await waitFor(`${name} /readyz`, async () => (await kubeRequest(k, 'GET', '/readyz')).status === 200, {
    timeoutMs: 180000,
  });
  await ensureObject(k, '/apis/rbac.authorization.k8s.io/v1/clusterroles', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: LIMITED_ROLE, labels: { 'berth.dev/testbed': 'true' } },
    rules: [{ apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] }],
  });
  await ensureObject(k, '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: LIMITED_ROLE, labels: { 'berth.dev/testbed': 'true' } },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: LIMITED_ROLE },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'berth-limited' }],
  });
  // nodes kwok-<cluster>-0 .. kwok-<cluster>-(M-1); extra testbed nodes are removed
  const sel = encodeURIComponent(`berth.dev/testbed-cluster=${name}`);
  const existing = (await kubeRequest(k, 'GET', `/api/v1/nodes?labelSelector=${sel}`)).body?.items ?? [];
  const want = new Set(Array.from({ length: nodes }, (_, i) => `kwok-${name}-${i}`));
  for (const n of existing) {
    if (!want.has(n.metadata.name)) await kubeRequest(k, 'DELETE', `/api/v1/nodes/${n.metadata.name}`);
  }
  const have = new Set(existing.map((n) => n.metadata.name));
  for (const n of want) {
    if (!have.has(n)) {
      await ensureObject(k, '/api/v1/nodes', nodeManifest(name, n));
    } else {
      const r = await kubeRequest(
        k,
        'PATCH',
        `/api/v1/nodes/${n}`,
        { metadata: { annotations: nodeAnnotations(n) } },
        {
          contentType: 'application/merge-patch+json',
        },
      );
      if (r.status !== 200)
        throw new Error(`PATCH node ${n} in ${name} -> ${r.status}: ${r.text.slice(0, 300)}`);
    }
  }
  await waitFor(
    `${nodes} Ready nodes in ${name}`,
    async () => {
      const items = (await kubeRequest(k, 'GET', `/api/v1/nodes?labelSelector=${sel}`)).body?.items ?? [];
      return items.length === nodes && items.every(isNodeReady);
    },
    { timeoutMs: 120000 },
  );
  // metrics.k8s.io is served by metrics-server through the aggregator
  await waitFor(
    `APIService v1beta1.metrics.k8s.io Available in ${name} (metrics-server log: ${join(kwokClusterDir(name), 'logs', 'metrics-server.log')})`,
    async () => {
      const r = await kubeRequest(
        k,
        'GET',
        '/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io',
      );
      return (r.body?.status?.conditions ?? []).some((c) => c.type === 'Available' && c.status === 'True');
    },
    { timeoutMs: 90000 },
  );
  assertComponentsRunning(name);
  // the controller-manager creates the default ServiceAccount; pods cannot be admitted before it
  await waitFor(
    `default ServiceAccount in ${name}`,
    async () =>
      (await kubeRequest(k, 'GET', '/api/v1/namespaces/default/serviceaccounts/default')).status === 200,
    { timeoutMs: 120000 },
  );
}

function assertComponentsRunning(name) {
  const dead = Object.entries(componentPids(name))
    .filter(([, pid]) => !pidAlive(pid))
    .map(([comp]) => comp);
  if (dead.length) {
    fail(
      `cluster ${name}: ${dead.join(', ')} not running; see ${join(kwokClusterDir(name), 'logs')}/<component>.log`,
    );
  }
}

/** Reuses a running cluster, starts a stopped one, restarts one with a dead component. */
async function ensureRunning(meta, name, bin) {
  const dead = Object.entries(componentPids(name))
    .filter(([, pid]) => !pidAlive(pid))
    .map(([comp]) => comp);
  const up = await isUp(meta, name);
  if (up && dead.length === 0) {
    log(`cluster ${name} is up, reusing it`);
    return;
  }
  if (up) {
    log(`cluster ${name}: ${dead.join(', ')} not running, restarting the cluster`);
    await stopCluster(meta, name, bin);
  }
  await startCluster(meta, name, bin);
}

async function isUp(meta, name) {
  if (!existsSync(join(kwokClusterDir(name), 'pki', 'ca.crt'))) return false;
  return Boolean(await getVersion(conn(meta, name)));
}

// ---------------------------------------------------------------- commands

function parseArgs(argv) {
  const opts = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m) {
      opts._.push(a);
      continue;
    }
    const key = m[1];
    if (key === 'json' || key === 'help') opts[key] = true;
    else opts[key] = m[2] ?? argv[++i];
  }
  return opts;
}

function positiveInt(v, flag, dflt) {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) fail(`${flag} wants a positive integer, got '${v}'`);
  return n;
}

async function cmdUp(opts) {
  const clusters = positiveInt(opts.clusters, '--clusters', 3);
  const nodes = positiveInt(opts.nodes, '--nodes', 3);
  if (clusters > NAMES.length) fail(`at most ${NAMES.length} clusters (${NAMES.join(', ')})`);
  const t0 = Date.now();
  const bin = await build();
  await withLock(async () => {
    const meta = loadMeta();
    meta.bin = bin;
    meta.versions = versions;
    meta.nodes = nodes; // read by test/testbed/state.ts testbedNodes()
    writeJsonAtomic(META, meta);
    for (const name of NAMES.slice(0, clusters)) {
      if (meta.clusters[name] && existsSync(kwokClusterDir(name)) && !configCurrent(meta, name, bin)) {
        log(
          `cluster ${name} was created by an older testbed configuration (versions or flags changed): recreating it`,
        );
        await deleteCluster(meta, name, bin);
        delete meta.clusters[name];
        writeJsonAtomic(META, meta);
      }
      if (meta.clusters[name] && existsSync(kwokClusterDir(name))) {
        await ensureRunning(meta, name, bin);
      } else {
        await createCluster(meta, name, bin);
      }
      await configureCluster(meta, name, nodes);
      writeState(meta);
    }
    const state = writeState(meta);
    log(`${state.length} cluster(s) ready in ${((Date.now() - t0) / 1000).toFixed(1)} s; state: ${STATE}`);
    for (const s of state) log(`  ${s.name.padEnd(8)} ${s.server}  kubeconfig: ${s.kubeconfig_path}`);
  });
}

async function cmdDown() {
  const meta = loadMeta();
  const bin = meta.bin;
  await withLock(async () => {
    for (const name of Object.keys(meta.clusters)) await deleteCluster(meta, name, bin);
    // processes of this checkout's testbed whose bookkeeping is gone (e.g. .testbed/testbed.json deleted
    // by hand): their executable lives under .testbed/kwok/clusters/
    const orphans = orphanPids();
    if (orphans.length) {
      log(`stopping ${orphans.length} leftover testbed process(es): ${orphans.join(' ')}`);
      for (const pid of orphans) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {}
      }
      await reap('testbed', Object.fromEntries(orphans.map((pid) => [`process ${pid}`, pid])));
    }
  });
  rmSync(TB, { recursive: true, force: true });
  log(`testbed is down; removed ${TB}`);
}

async function cmdStatus(opts) {
  const meta = loadMeta();
  const names = Object.keys(meta.clusters).sort((a, b) => meta.clusters[a].index - meta.clusters[b].index);
  const rows = [];
  for (const name of names) {
    const c = meta.clusters[name];
    const server = `https://127.0.0.1:${c.ports.kubeApiserver}`;
    let version;
    if (existsSync(join(kwokClusterDir(name), 'pki', 'ca.crt'))) version = await getVersion(conn(meta, name));
    const pids = componentPids(name);
    const running = Object.fromEntries(Object.entries(pids).filter(([, pid]) => pidAlive(pid)));
    const dead = Object.keys(pids).filter((comp) => !(comp in running));
    const rssMiB = Math.round(Object.values(running).reduce((sum, pid) => sum + rssKiB(pid), 0) / 1024);
    const state = version ? (dead.length ? 'degraded' : 'up') : 'down';
    rows.push({
      name,
      state,
      server,
      version: version?.gitVersion ?? null,
      pids: running,
      dead,
      rss_mib: rssMiB,
    });
  }
  if (opts.json) {
    process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
  } else if (rows.length === 0) {
    process.stdout.write('no testbed clusters (run: scripts/testbed up)\n');
  } else {
    for (const r of rows) {
      const pids =
        [
          ...Object.entries(r.pids).map(([k, v]) => `${k}=${v}`),
          ...(r.state === 'up' ? [] : r.dead.map((k) => `${k}=dead`)),
        ].join(' ') || 'no processes';
      const rss = r.rss_mib ? `  rss ${r.rss_mib} MiB` : '';
      process.stdout.write(
        `${r.name.padEnd(8)} ${r.state.padEnd(8)} ${r.server}  ${r.version ?? '-'}  ${pids}${rss}\n`,
      );
    }
  }
  return rows;
}

async function cmdStopStart(which, opts) {
  const name = opts._[1];
  const meta = loadMeta();
  if (!name || !meta.clusters[name])
    fail(
      `usage: scripts/testbed ${which} <name>; known clusters: ${Object.keys(meta.clusters).join(', ') || 'none'}`,
    );
  const bin = meta.bin;
  if (!bin || !existsSync(join(bin, 'kwokctl'))) fail(`binaries not found (${bin}); run scripts/testbed up`);
  await withLock(async () => {
    if (which === 'stop') {
      await stopCluster(meta, name, bin);
      await waitFor(`${name} to stop answering`, async () => !(await isUp(meta, name)), { timeoutMs: 30000 });
      log(`cluster ${name} stopped (data and address kept; 'scripts/testbed start ${name}' brings it back)`);
    } else {
      await ensureRunning(meta, name, bin);
      const k = conn(meta, name);
      await waitFor(`${name} /readyz`, async () => (await kubeRequest(k, 'GET', '/readyz')).status === 200, {
        timeoutMs: 180000,
      });
      const sel = encodeURIComponent(`berth.dev/testbed-cluster=${name}`);
      await waitFor(`Ready nodes in ${name}`, async () => {
        const items = (await kubeRequest(k, 'GET', `/api/v1/nodes?labelSelector=${sel}`)).body?.items ?? [];
        return items.length > 0 && items.every(isNodeReady);
      });
      writeState(meta);
      log(`cluster ${name} is up on ${k.server}`);
    }
  });
}

function usage() {
  return `usage: scripts/testbed <command>
  build                              build (or reuse) the binaries in the cache
  up [--clusters N] [--nodes M]      start N clusters (default 3: alpha, beta, gamma) with M nodes (default 3)
  down                               stop every testbed process and remove .testbed/
  status [--json]                    show each cluster: up/down, server, version, pids
  stop <name> | start <name>         stop/start one cluster, keeping its data and address
env: BERTH_TESTBED_CACHE (binary cache, default ~/.cache/berth-testbed), BERTH_TESTBED_PORT_BASE (default 16400)
`;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const cmd = opts._[0];
  if (opts.help || !cmd || cmd === 'help') {
    process.stdout.write(usage());
    return;
  }
  switch (cmd) {
    case 'up':
      return cmdUp(opts);
    case 'down':
      return cmdDown(opts);
    case 'status':
      return cmdStatus(opts);
    case 'stop':
    case 'start':
      return cmdStopStart(cmd, opts);
    default:
      fail(`unknown command '${cmd}'\n${usage()}`);
  }
}

main().catch((e) => {
  process.stderr.write(
    `testbed: ERROR: ${e.userFacing || !process.env.BERTH_TESTBED_DEBUG ? e.message : (e.stack ?? e)}\n`,
  );
  process.exit(1);
});
