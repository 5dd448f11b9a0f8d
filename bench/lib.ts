// Small load runner for Berth's benchmarks: keep-alive agents, fixed concurrency, latencies per request.
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface Target {
  url: string;
  headers: Record<string, string>;
  ca?: string;
}

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
      ? new HttpsAgent({ keepAlive: true, maxSockets: 64, ca: t.ca })
      : new HttpAgent({ keepAlive: true, maxSockets: 64 });
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

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

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
          if (r.status >= 400) errors++;
          bytes += r.bytes;
          latencies.push(r.ms);
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    n: latencies.length,
    errors,
    p50: pct(latencies, 50),
    p90: pct(latencies, 90),
    p99: pct(latencies, 99),
    mean: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
    rps: latencies.length / elapsed,
    bytes: bytes / Math.max(1, latencies.length),
  };
}

export const fmt = (s: Stats) =>
  `n=${String(s.n).padStart(5)} p50=${s.p50.toFixed(1).padStart(7)}ms p90=${s.p90.toFixed(1).padStart(7)}ms p99=${s.p99.toFixed(1).padStart(7)}ms rps=${s.rps.toFixed(1).padStart(7)} err=${s.errors} size=${(s.bytes / 1024).toFixed(0)}KiB`;

/**
 * Runs the targets in turn, one request each per round, for `seconds`: every target sees the same
 * background load, so their ratio is fair even on a busy machine.
 */
export async function interleave(
  targets: Target[],
  opts: { seconds: number; warmup?: number },
): Promise<Stats[]> {
  for (const t of targets) for (let i = 0; i < (opts.warmup ?? 5); i++) await hit(t);
  const lat: number[][] = targets.map(() => []);
  const errs = targets.map(() => 0);
  const bytes = targets.map(() => 0);
  const end = performance.now() + opts.seconds * 1000;
  const started = performance.now();
  while (performance.now() < end) {
    for (const [i, t] of targets.entries()) {
      try {
        const r = await hit(t);
        if (r.status >= 400) errs[i]++;
        bytes[i] += r.bytes;
        lat[i].push(r.ms);
      } catch {
        errs[i]++;
      }
    }
  }
  const elapsed = (performance.now() - started) / 1000;
  return lat.map((l, i) => {
    l.sort((a, b) => a - b);
    return {
      n: l.length,
      errors: errs[i],
      p50: pct(l, 50),
      p90: pct(l, 90),
      p99: pct(l, 99),
      mean: l.reduce((a, b) => a + b, 0) / Math.max(1, l.length),
      rps: l.length / elapsed,
      bytes: bytes[i] / Math.max(1, l.length),
    };
  });
}
