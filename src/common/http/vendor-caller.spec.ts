import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppError } from '../app-error.js';
import { ErrorCode } from '../error-codes.js';
import { OutboundPolicy } from '../outbound/outbound-policy.js';
import { VendorCaller, type VendorErrorMapping, type VendorFailure } from './vendor-caller.js';
import { guardedAgent, header, sendHttp } from './vendor-transport.js';

/** A vendor answering `{code, request_id}` bodies on errors, as the adapters' classifiers expect. */
class StatusError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | null,
    readonly requestId: string | null,
    readonly retryAfter: string | null,
  ) {
    super(`HTTP ${status}`);
  }
}

const mapping: VendorErrorMapping = {
  classify(e): VendorFailure {
    if (!(e instanceof StatusError))
      return {
        kind: 'unavailable',
        vendor_code: null,
        vendor_status: null,
        request_id: null,
        message: String(e),
      };
    const base = {
      vendor_code: e.code,
      vendor_status: e.status,
      request_id: e.requestId,
      message: e.message,
      retry_after: e.retryAfter,
    };
    if (e.status === 401) return { kind: 'credential', ...base };
    if (e.status === 429) return { kind: 'throttled', ...base };
    if (e.status >= 500) return { kind: 'server', ...base };
    return { kind: 'client', ...base };
  },
  toError(f, action) {
    const code =
      f.kind === 'credential'
        ? ErrorCode.VENDOR_CREDENTIAL_REJECTED
        : f.kind === 'timeout'
          ? ErrorCode.UPSTREAM_TIMEOUT
          : f.kind === 'unavailable' || f.kind === 'refused' || f.kind === 'throttled'
            ? ErrorCode.VENDOR_UNAVAILABLE
            : ErrorCode.VENDOR_API_ERROR;
    return new AppError(code, `${action}: ${f.message}`, {
      kind: f.kind,
      vendor_code: f.vendor_code,
      vendor_status: f.vendor_status,
      request_id: f.request_id,
    });
  },
};

describe('VendorCaller against a real HTTP server', () => {
  let server: Server;
  let base: string;
  const script: ((req: IncomingMessage, res: ServerResponse) => void)[] = [];
  const seen: { method: string; at: number }[] = [];
  const open = new Set<ServerResponse>();
  const agent = guardedAgent(OutboundPolicy.unconfigured(), 'http:');

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ method: req.method!, at: Date.now() });
      open.add(res);
      res.on('close', () => open.delete(res));
      const next = script.shift();
      if (next) next(req, res);
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    agent.destroy();
    for (const r of open) r.destroy();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => {
    seen.length = 0;
    script.length = 0;
  });

  const fail =
    (status: number, headers: Record<string, string> = {}) =>
    (_: IncomingMessage, res: ServerResponse) =>
      res
        .writeHead(status, {
          'content-type': 'application/json',
          'x-request-id': `rid-${status}`,
          ...headers,
        })
        .end(JSON.stringify({ code: `E${status}` }));
  const hang = () => undefined;

  /** One attempt: a real request; an error answer thrown as the vendor's client would. */
  const attempt =
    (method: string, url = base, a = agent) =>
    async (signal: AbortSignal) => {
      const res = await sendHttp({
        method,
        url: new URL('/thing', url),
        headers: {},
        agent: a,
        signal,
        body: method === 'POST' ? Buffer.from('{}') : undefined,
      });
      if (res.status >= 400) {
        const body = JSON.parse(res.body.toString()) as { code: string };
        throw new StatusError(
          res.status,
          body.code,
          header(res.headers, 'x-request-id'),
          header(res.headers, 'retry-after'),
        );
      }
      return JSON.parse(res.body.toString()) as { ok: boolean };
    };
  const caller = (
    o: Partial<{ timeoutMs: number; attempts: number; backoffMs: number; maxBackoffMs: number }> = {},
  ) => new VendorCaller({ timeoutMs: 500, attempts: 3, backoffMs: 20, maxBackoffMs: 200, ...o }, mapping);

  it('retries an idempotent call on 5xx and throttling with growing backoff, then answers', async () => {
    script.push(fail(502), fail(429), fail(500));
    const out = await caller({ attempts: 4, backoffMs: 40 }).call('get', attempt('GET'), {
      idempotent: true,
    });
    expect(out).toEqual({ ok: true });
    expect(seen.map((s) => s.method)).toEqual(['GET', 'GET', 'GET', 'GET']);
    const waits = seen.slice(1).map((s, i) => s.at - seen[i].at);
    // Jitter keeps each wait within [d/2, d] of d = 40, 80, 160 ms.
    expect(waits[0]).toBeGreaterThanOrEqual(18);
    expect(waits[2]).toBeGreaterThanOrEqual(78);
  });

  it('gives up after the attempts and keeps the vendor code and request id of the last answer', async () => {
    script.push(fail(500), fail(500), fail(503));
    const e = await caller()
      .call('get', attempt('GET'), { idempotent: true })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AppError);
    expect(e).toMatchObject({
      code: ErrorCode.VENDOR_API_ERROR,
      details: { vendor_code: 'E503', vendor_status: 503, request_id: 'rid-503' },
    });
    expect(seen).toHaveLength(3);
  });

  it('never repeats a non-idempotent call after a 5xx or a broken connection, but does after throttling', async () => {
    script.push(fail(500));
    await expect(caller().call('create', attempt('POST'), { idempotent: false })).rejects.toMatchObject({
      code: ErrorCode.VENDOR_API_ERROR,
    });
    expect(seen).toHaveLength(1);

    seen.length = 0;
    script.push((_req, res) => res.socket?.destroy()); // accepted, then reset: it may have happened
    await expect(caller().call('create', attempt('POST'), { idempotent: false })).rejects.toMatchObject({
      code: ErrorCode.VENDOR_UNAVAILABLE,
      details: { kind: 'unavailable' },
    });
    expect(seen).toHaveLength(1);

    seen.length = 0;
    script.push(fail(429, { 'retry-after': '0' }));
    await expect(caller().call('create', attempt('POST'), { idempotent: false })).resolves.toEqual({
      ok: true,
    });
    expect(seen.map((s) => s.method)).toEqual(['POST', 'POST']);
  });

  it('does not retry a client error or a rejected credential (502 50202)', async () => {
    script.push(fail(400));
    await expect(caller().call('get', attempt('GET'), { idempotent: true })).rejects.toMatchObject({
      code: ErrorCode.VENDOR_API_ERROR,
      status: 502,
    });
    script.push(fail(401));
    await expect(caller().call('get', attempt('GET'), { idempotent: true })).rejects.toMatchObject({
      code: ErrorCode.VENDOR_CREDENTIAL_REJECTED,
      status: 502,
    });
    expect(seen).toHaveLength(2);
  });

  it('honours Retry-After, capped by maxBackoffMs', async () => {
    script.push(fail(503, { 'retry-after': '30' }));
    const t0 = Date.now();
    await caller({ maxBackoffMs: 150 }).call('get', attempt('GET'), { idempotent: true });
    const wait = seen[1].at - seen[0].at;
    expect(wait).toBeGreaterThanOrEqual(140);
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('ends an attempt at its deadline (504), aborts the request, and does not retry it', async () => {
    script.push(hang, hang, hang);
    const t0 = Date.now();
    const e = await caller({ timeoutMs: 200 })
      .call('get', attempt('GET'), { idempotent: true })
      .catch((x: unknown) => x);
    const took = Date.now() - t0;
    expect(e).toMatchObject({ code: ErrorCode.UPSTREAM_TIMEOUT, status: 504, details: { kind: 'timeout' } });
    expect(took).toBeGreaterThanOrEqual(190);
    expect(took).toBeLessThan(600);
    expect(seen).toHaveLength(1);
    // The request was ended, not left running: the server sees the connection close.
    await new Promise((r) => setTimeout(r, 50));
    expect(open.size).toBe(0);
    script.length = 0;
  });

  it('bounds a call that ignores the signal (an SDK) by the same deadline', async () => {
    const e = await caller({ timeoutMs: 100 })
      .call('sdk', () => new Promise(() => undefined), { idempotent: true })
      .catch((x: unknown) => x);
    expect(e).toMatchObject({ code: ErrorCode.UPSTREAM_TIMEOUT });
  });

  it('classifies a refused connection as unavailable (503) and retries it only when idempotent', async () => {
    const dead = 'http://127.0.0.1:1';
    let tries = 0;
    const counted = (m: string) => (s: AbortSignal) => {
      tries++;
      return attempt(m, dead)(s);
    };
    const e = await caller()
      .call('get', counted('GET'), { idempotent: true })
      .catch((x: unknown) => x);
    expect(e).toMatchObject({
      code: ErrorCode.VENDOR_UNAVAILABLE,
      status: 503,
      details: { kind: 'unavailable', vendor_code: 'ECONNREFUSED' },
    });
    expect(tries).toBe(3);
    tries = 0;
    await expect(caller().call('create', counted('POST'), { idempotent: false })).rejects.toMatchObject({
      code: ErrorCode.VENDOR_UNAVAILABLE,
    });
    expect(tries).toBe(1);
  });

  it('never retries a connection the outbound policy refuses (503), and never reaches the server', async () => {
    const strict = new OutboundPolicy({ allow_loopback: false, allow: [], deny: [] });
    const guarded = guardedAgent(strict, 'http:');
    let tries = 0;
    try {
      const e = await caller()
        .call(
          'get',
          (s) => {
            tries++;
            return attempt('GET', base, guarded)(s);
          },
          { idempotent: true },
        )
        .catch((x: unknown) => x);
      expect(e).toMatchObject({
        code: ErrorCode.VENDOR_UNAVAILABLE,
        status: 503,
        details: { kind: 'refused' },
      });
      expect(tries).toBe(1);
      expect(seen).toHaveLength(0);
    } finally {
      guarded.destroy();
    }
  });

  it('lets an AppError of the attempt through untouched and unretried', async () => {
    let tries = 0;
    const own = new AppError(ErrorCode.CONFLICT, 'mine');
    await expect(
      caller().call(
        'x',
        async () => {
          tries++;
          throw own;
        },
        { idempotent: true },
      ),
    ).rejects.toBe(own);
    expect(tries).toBe(1);
  });

  it('reports every attempt to the meter: vendor, operation, outcome (ok or the failure kind) and its duration', async () => {
    const seenAttempts: { vendor: string; operation: string; outcome: string; seconds: number }[] = [];
    const meter = {
      attempt: (vendor: string, operation: string, outcome: string, seconds: number) =>
        seenAttempts.push({ vendor, operation, outcome, seconds }),
    };
    const metered = new VendorCaller(
      { timeoutMs: 300, attempts: 3, backoffMs: 10, maxBackoffMs: 20, meter },
      mapping,
      'acme',
    );
    script.push(fail(503), fail(429));
    await metered.call('GET /thing/42', attempt('GET'), { idempotent: true, operation: 'GET /thing/{}' });
    script.push(fail(401));
    await expect(metered.call('getThing', attempt('GET'), { idempotent: true })).rejects.toBeInstanceOf(
      AppError,
    );
    script.push(hang);
    await expect(metered.call('slow', attempt('GET'), { idempotent: true })).rejects.toBeInstanceOf(AppError);
    await expect(
      metered.call(
        'own',
        async () => {
          throw new AppError(ErrorCode.CONFLICT, 'no');
        },
        { idempotent: true },
      ),
    ).rejects.toBeInstanceOf(AppError);
    expect(seenAttempts.map(({ vendor, operation, outcome }) => [vendor, operation, outcome])).toEqual([
      ['acme', 'GET /thing/{}', 'server'],
      ['acme', 'GET /thing/{}', 'throttled'],
      ['acme', 'GET /thing/{}', 'ok'],
      ['acme', 'getThing', 'credential'],
      ['acme', 'slow', 'timeout'],
      ['acme', 'own', 'error'],
    ]);
    expect(seenAttempts[4].seconds).toBeGreaterThanOrEqual(0.29);
    for (const a of seenAttempts) expect(a.seconds).toBeLessThan(1);
  });
});
