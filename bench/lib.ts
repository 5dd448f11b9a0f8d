// Small load runner for Berth's benchmarks: keep-alive agents, fixed concurrency, latencies per request.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { join } from 'node:path';

export interface Target {
  url: string;
  headers: Record<string, string>;
  ca?: string;
}

/**
 * What one measured request is: one URL, several fetched in parallel (a client-side fan-out: done
 * when the last one is), and an untimed step before it (e.g. dropping a cache to make the request cold).
 */
export type Probe =
  Target | { all: Target[]; before?: () => Promise<void> } | (Target & { before: () => Promise<void> });

export interface Stats {
  n: number;
  errors: number;
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  rps: number;
  bytes: number;
}

const agents = new Map<string, HttpAgent | HttpsAgent>();

function agentFor(t: Target): HttpAgent | HttpsAgent {
  const key = `${new URL(t.url).origin}|${t.ca ? 'ca' : ''}`;
  let a = agents.get(key);
  if (!a) {
    a = t.url.startsWith('https:')
      ? new HttpsAgent({ keepAlive: true, maxSockets: 128, ca: t.ca })
      : new HttpAgent({ keepAlive: true, maxSockets: 128 });
    agents.set(key, a);
  }
  return a;
}

/** One request; resolves with status, bytes and milliseconds. */
export function hit(t: Target): Promise<{ status: number; bytes: number; ms: number; body: Buffer }> {
  const started = performance.now();
  const send = t.url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(t.url, { headers: t.headers, agent: agentFor(t) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, bytes: body.length, ms: performance.now() - started, body });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** One probe: its untimed step first, then the request(s); the status is the worst one. */
async function probe(p: Probe): Promise<{ status: number; bytes: number; ms: number }> {
  if ('before' in p && p.before) await p.before();
  if ('all' in p) {
    const started = performance.now();
    const rs = await Promise.all(p.all.map(hit));
    return {
      status: Math.max(...rs.map((r) => r.status)),
      bytes: rs.reduce((n, r) => n + r.bytes, 0),
      ms: performance.now() - started,
    };
  }
  return hit(p);
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

function stats(l: number[], errors: number, bytes: number, elapsed: number): Stats {
  l.sort((a, b) => a - b);
  return {
    n: l.length,
    errors,
    p50: pct(l, 50),
    p90: pct(l, 90),
    p99: pct(l, 99),
    mean: l.reduce((a, b) => a + b, 0) / Math.max(1, l.length),
    rps: l.length / elapsed,
    bytes: bytes / Math.max(1, l.length),
  };
}

/** Runs `t` with `concurrency` loops for `seconds` (after `warmup` requests) and summarises latencies. */
export async function measure(
  t: Target,
  opts: { seconds: number; concurrency: number; warmup?: number },
): Promise<Stats> {
  for (let i = 0; i < (opts.warmup ?? 5); i++) await hit(t);
  const latencies: number[] = [];
  let errors = 0;
  let bytes = 0;
  const end = performance.now() + opts.seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (performance.now() < end) {
        try {
          const r = await hit(t);
          if (r.status < 200 || r.status >= 300) errors++;
          bytes += r.bytes;
          latencies.push(r.ms);
        } catch {
          errors++;
        }
      }
    }),
  );
  return stats(latencies, errors, bytes, (performance.now() - started) / 1000);
}

/**
 * Throughput at `concurrency` connections, the targets taking turns in `slices` short runs (the first
 * one rotating), so a burst of background load falls on all of them alike. Stats are summed per target.
 */
export async function throughput(
  targets: Target[],
  opts: { seconds: number; concurrency: number; slices: number },
): Promise<Stats[]> {
  const lat: number[][] = targets.map(() => []);
  const errs = targets.map(() => 0);
  const bytes = targets.map(() => 0);
  const time = targets.map(() => 0);
  for (const t of targets) for (let i = 0; i < 5; i++) await hit(t);
  for (let s = 0; s < opts.slices; s++) {
    for (let k = 0; k < targets.length; k++) {
      const i = (s + k) % targets.length;
      const r = await measure(targets[i], {
        seconds: opts.seconds / opts.slices,
        concurrency: opts.concurrency,
        warmup: 0,
      });
      time[i] += r.n / Math.max(r.rps, 1e-9);
      errs[i] += r.errors;
      bytes[i] += r.bytes * r.n;
      for (let j = 0; j < r.n; j++) lat[i].push(r.mean); // latencies per slice are not kept: means only
    }
  }
  return lat.map((l, i) => stats(l, errs[i], bytes[i], time[i]));
}

export const fmt = (s: Stats) =>
  `n=${String(s.n).padStart(5)} p50=${s.p50.toFixed(1).padStart(7)}ms p90=${s.p90.toFixed(1).padStart(7)}ms p99=${s.p99.toFixed(1).padStart(7)}ms rps=${s.rps.toFixed(1).padStart(7)} err=${s.errors} size=${(s.bytes / 1024).toFixed(0)}KiB`;

/** CPU time (user + system) a process has used so far, in ms, from /proc/<pid>/stat. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[11] = utime, fields[12] = stime (fields 14 and 15 of stat(5)), in clock ticks (100 per second)
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** Resident set size of a process in MiB (VmRSS). */
export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Berth's V8 heap (used, committed) and external memory in MiB, from its Prometheus default metrics. */
export async function heapMiB(url: string): Promise<{ used: number; total: number; external: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const get = (name: string) =>
    Number(new RegExp(`^berth_${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1] ?? NaN) / 1048576;
  return {
    used: get('nodejs_heap_size_used_bytes'),
    total: get('nodejs_heap_size_total_bytes'),
    external: get('nodejs_external_memory_bytes'),
  };
}

/**
 * Writes a heap snapshot of `pid` (started with `--heapsnapshot-signal=<signal> --diagnostic-dir=<dir>`; V8
 * runs a full garbage collection first) and answers the live JS heap it holds, in MiB (the sum of its
 * objects' sizes). The file is removed.
 */
export async function liveHeapMiB(pid: number, dir: string, signal: NodeJS.Signals): Promise<number> {
  const before = new Set(readdirSync(dir));
  process.kill(pid, signal);
  let file: string | undefined;
  for (let i = 0; !file; i++) {
    if (i > 600) throw new Error('no heap snapshot appeared');
    await new Promise((r) => setTimeout(r, 100));
    file = readdirSync(dir).find((f) => !before.has(f) && f.endsWith('.heapsnapshot'));
  }
  // V8 streams the snapshot into the file: done when it parses.
  for (let i = 0; ; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    try {
      const snap = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
        snapshot: { meta: { node_fields: string[] } };
        nodes: number[];
      };
      const fields = snap.snapshot.meta.node_fields;
      const at = fields.indexOf('self_size');
      let bytes = 0;
      for (let n = at; n < snap.nodes.length; n += fields.length) bytes += snap.nodes[n];
      rmSync(join(dir, file));
      return bytes / 1048576;
    } catch (e) {
      if (i > 300) throw e;
    }
  }
}

/**
 * Runs the probes in turn, one request each per round, for `seconds`: every target sees the same
 * background load, so their ratio is fair even on a busy machine. The first probe of a round rotates.
 * `cpu`: pids whose CPU time over the run is divided by each probe's request count (same index).
 */
export async function interleave(
  probes: Probe[],
  opts: { seconds: number; warmup?: number; cpu?: (number | undefined)[]; maxRounds?: number },
): Promise<(Stats & { cpuMsPerRequest?: number })[]> {
  for (const t of probes) for (let i = 0; i < (opts.warmup ?? 5); i++) await probe(t);
  const lat: number[][] = probes.map(() => []);
  const errs = probes.map(() => 0);
  const bytes = probes.map(() => 0);
  const cpu0 = (opts.cpu ?? []).map((pid) => (pid ? cpuMs(pid) : 0));
  const end = performance.now() + opts.seconds * 1000;
  const started = performance.now();
  for (let round = 0; performance.now() < end && round < (opts.maxRounds ?? Infinity); round++) {
    for (let k = 0; k < probes.length; k++) {
      const i = (round + k) % probes.length;
      try {
        const r = await probe(probes[i]);
        if (r.status < 200 || r.status >= 300) errs[i]++;
        bytes[i] += r.bytes;
        lat[i].push(r.ms);
      } catch {
        errs[i]++;
      }
    }
  }
  const elapsed = (performance.now() - started) / 1000;
  const cpu1 = (opts.cpu ?? []).map((pid) => (pid ? cpuMs(pid) : 0));
  return lat.map((l, i) => {
    const s = stats(l, errs[i], bytes[i], elapsed);
    const pid = opts.cpu?.[i];
    return pid ? { ...s, cpuMsPerRequest: (cpu1[i] - cpu0[i]) / Math.max(1, s.n) } : s;
  });
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** One JSON call to Berth's API. */
export async function api(url: string, token: string | null, method: string, path: string, body?: unknown) {
  const res = await fetch(url + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as any };
}

/** `kubectl proxy` for one cluster on a free port: the thinnest real proxy, as a peer in the same run. */
export async function startKubectlProxy(
  kubeconfigPath: string,
  kubectl = 'kubectl',
): Promise<{ url: string; proc: ChildProcess }> {
  const port = await freePort();
  const proc = spawn(
    kubectl,
    ['proxy', '--kubeconfig', kubeconfigPath, '--port', String(port), '--address', '127.0.0.1'],
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
