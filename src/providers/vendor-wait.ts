import { AppError } from '../common/app-error.js';
import { ErrorCode } from '../common/error-codes.js';
import { isTransientVendorError } from '../common/http/vendor-caller.js';
import type { ChangeState, ClusterProvider, VendorChange } from './cluster-provider.js';

/** Where a wait reports how far it got (an operation's context). */
export interface ProgressSink {
  progress(percent: number, message?: string): Promise<void>;
}

/** A vendor reported that the change failed: the operation fails with the vendor's reason. */
export class VendorChangeFailed extends AppError {
  constructor(message: string, vendorCode?: string) {
    super(ErrorCode.VENDOR_API_ERROR, message, {
      reason: 'vendor_task_failed',
      vendor_code: vendorCode ?? null,
    });
  }
}

export interface WaitOptions {
  /** Progress reported while waiting moves from `from` towards `to`. */
  from: number;
  to: number;
  what: string;
  deadlineMs?: number;
  /** Extra condition checked after the change succeeded (e.g. the cluster reads "running"). */
  until?: () => Promise<boolean>;
}

const DEFAULT_DEADLINE_MS = 60 * 60_000;
const MAX_POLL_DELAY_MS = 10_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function timedOut(vendor: string, what: string, deadlineMs: number, last?: unknown): AppError {
  const minutes = Math.max(1, Math.round(deadlineMs / 60_000));
  const tail = last instanceof Error ? `; the last poll failed: ${last.message}` : '';
  return new AppError(
    ErrorCode.UPSTREAM_TIMEOUT,
    `${what} did not finish at ${vendor} within ${minutes} min${tail}`,
    { vendor, reason: 'wait_deadline' },
  );
}

/**
 * Polls any vendor's long-running work until `check` says it is done: fast at first, then backing off to
 * 10 s (vendor APIs are rate-limited; a long create is polled rarely). Progress creeps towards `to` so
 * clients see movement.
 *
 * Only the vendor's own answer that the work failed fails the wait. A poll that fails for a transient
 * reason (throttling, 5xx, a timeout, a reset connection: `isTransientVendorError`) says nothing about the
 * work, so it counts as "still running" until the wait's own deadline. Other errors (a rejected
 * credential, a refused endpoint, Berth's own verdicts) end the wait at once.
 */
export async function waitFor(
  ctx: ProgressSink,
  vendor: string,
  check: () => Promise<ChangeState>,
  o: WaitOptions,
): Promise<void> {
  const deadlineMs = o.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const deadline = Date.now() + deadlineMs;
  let delay = 200;
  let polls = 0;
  for (;;) {
    let note: string;
    try {
      const s = await check();
      if (s.state === 'failed')
        throw new VendorChangeFailed(`${o.what} failed at ${vendor}: ${s.message}`, s.vendor_code);
      if (s.state === 'succeeded' && (!o.until || (await o.until()))) return;
      if (Date.now() > deadline) throw timedOut(vendor, o.what, deadlineMs);
      note = s.state === 'running' && s.message ? s.message : 'waiting for the vendor';
    } catch (e) {
      if (!isTransientVendorError(e)) throw e;
      if (Date.now() > deadline) throw timedOut(vendor, o.what, deadlineMs, e);
      note = `${vendor} did not answer the last poll (${(e as Error).message}); still waiting`;
    }
    polls++;
    await ctx.progress(o.from + (o.to - o.from) * (1 - 1 / (1 + polls / 5)), `${o.what}: ${note}`);
    await sleep(delay);
    delay = Math.min(MAX_POLL_DELAY_MS, Math.round(delay * 1.5));
  }
}

/** `waitFor` on a change ticket of a cluster provider. */
export function waitForChange(
  ctx: ProgressSink,
  provider: ClusterProvider,
  change: VendorChange,
  o: WaitOptions,
): Promise<void> {
  return waitFor(ctx, provider.name, () => provider.checkChange(change), o);
}

/**
 * A vendor read that a long-running operation needs once its wait is over (the kubeconfig, the pools):
 * repeated while it fails transiently, like a poll, until `deadlineMs` (default 10 min) has passed.
 */
export async function readThroughOutage<T>(
  vendor: string,
  what: string,
  read: () => Promise<T>,
  deadlineMs = 10 * 60_000,
): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  let delay = 200;
  for (;;) {
    try {
      return await read();
    } catch (e) {
      if (!isTransientVendorError(e)) throw e;
      if (Date.now() > deadline) throw timedOut(vendor, what, deadlineMs, e);
    }
    await sleep(delay);
    delay = Math.min(MAX_POLL_DELAY_MS, Math.round(delay * 1.5));
  }
}
