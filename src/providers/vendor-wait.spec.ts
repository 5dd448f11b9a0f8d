import { describe, expect, it } from '@jest/globals';
import { AppError } from '../common/app-error.js';
import { ErrorCode } from '../common/error-codes.js';
import { isTransientVendorError, VendorCaller, type VendorFailure } from '../common/http/vendor-caller.js';
import type { ChangeState } from './cluster-provider.js';
import { readThroughOutage, VendorChangeFailed, waitFor } from './vendor-wait.js';

/** A vendor call that fails with `kind` as its classifier says, through the real caller (1 attempt). */
const caller = new VendorCaller(
  { timeoutMs: 1000, attempts: 1, backoffMs: 1 },
  {
    classify: (e) => e as VendorFailure,
    toError: (f) =>
      new AppError(
        f.kind === 'credential' ? ErrorCode.VENDOR_CREDENTIAL_REJECTED : ErrorCode.VENDOR_UNAVAILABLE,
        f.message,
      ),
  },
  'test',
);
const failing = (kind: VendorFailure['kind'], status: number | null = null) =>
  caller.call(
    'DescribeTaskInfo',
    () =>
      Promise.reject({
        kind,
        vendor_code: null,
        vendor_status: status,
        request_id: null,
        message: `${kind}!`,
      }),
    { idempotent: true },
  );

const sink = () => {
  const messages: string[] = [];
  return { messages, progress: async (_p: number, m?: string) => void messages.push(m ?? '') };
};

/** A poll answering from a script: a failure kind throws it, otherwise the state. */
function scripted(script: (VendorFailure['kind'] | ChangeState)[]) {
  let i = 0;
  return async (): Promise<ChangeState> => {
    const next = script[Math.min(i++, script.length - 1)];
    if (typeof next === 'string') return failing(next) as never;
    return next;
  };
}

describe('waitFor (poll-time vendor errors)', () => {
  it('marks only throttling, 5xx, timeouts and unreachable vendors as transient', async () => {
    for (const kind of ['throttled', 'server', 'unavailable', 'timeout'] as const)
      expect(isTransientVendorError(await failing(kind).catch((e: unknown) => e))).toBe(true);
    for (const kind of ['credential', 'client', 'not_found', 'refused'] as const)
      expect(isTransientVendorError(await failing(kind).catch((e: unknown) => e))).toBe(false);
    expect(isTransientVendorError(new AppError(ErrorCode.VENDOR_UNAVAILABLE, 'not from a vendor call'))).toBe(
      false,
    );
  });

  it('reads a burst of 503s, throttling and timeouts as "still running" and succeeds when the vendor does', async () => {
    const ctx = sink();
    await waitFor(
      ctx,
      'ack',
      scripted([
        'unavailable',
        'server',
        'throttled',
        'timeout',
        'unavailable',
        { state: 'running' },
        { state: 'succeeded' },
      ]),
      { from: 0, to: 90, what: 'creating x' },
    );
    expect(ctx.messages.filter((m) => /did not answer the last poll/.test(m))).toHaveLength(5);
    expect(ctx.messages.at(-1)).toBe('creating x: waiting for the vendor');
  }, 20_000);

  it('fails at once on the vendor’s answer that the work failed, and on a non-transient error', async () => {
    await expect(
      waitFor(
        sink(),
        'ack',
        scripted(['unavailable', { state: 'failed', message: 'quota', vendor_code: 'Q' }]),
        {
          from: 0,
          to: 90,
          what: 'creating x',
        },
      ),
    ).rejects.toBeInstanceOf(VendorChangeFailed);
    const started = Date.now();
    await expect(
      waitFor(sink(), 'ack', scripted(['credential']), { from: 0, to: 90, what: 'creating x' }),
    ).rejects.toMatchObject({ code: ErrorCode.VENDOR_CREDENTIAL_REJECTED });
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('gives up on an outage only at its own deadline, naming the last failure', async () => {
    const started = Date.now();
    const e = (await waitFor(sink(), 'tke', scripted(['unavailable']), {
      from: 0,
      to: 90,
      what: 'deleting x',
      deadlineMs: 700,
    }).catch((err: unknown) => err)) as AppError;
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
    expect(e.code).toBe(ErrorCode.UPSTREAM_TIMEOUT);
    expect(e.message).toMatch(/deleting x did not finish at tke .*the last poll failed: unavailable!/);
  });

  it('treats transient failures of the extra condition like those of the poll', async () => {
    let calls = 0;
    await waitFor(sink(), 'rancher', async () => ({ state: 'succeeded' }), {
      from: 0,
      to: 90,
      what: 'x',
      until: async () => (++calls < 3 ? (failing('server') as never) : true),
    });
    expect(calls).toBe(3);
  });

  it('readThroughOutage repeats a read through transient failures only', async () => {
    let calls = 0;
    expect(
      await readThroughOutage('ack', 'kubeconfig', async () =>
        ++calls < 4 ? (failing('unavailable') as never) : 'ok',
      ),
    ).toBe('ok');
    await expect(readThroughOutage('ack', 'kubeconfig', () => failing('client'))).rejects.toBeInstanceOf(
      AppError,
    );
  });
});
