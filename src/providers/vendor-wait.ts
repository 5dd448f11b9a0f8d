import { AppError } from '../common/app-error.js';
import { ErrorCode } from '../common/error-codes.js';
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

/**
 * Polls a vendor change until it is done: fast at first, then backing off to 10 s (vendor APIs are
 * rate-limited; a long create is polled rarely). Progress creeps towards `to` so clients see movement.
 */
export async function waitForChange(
  ctx: ProgressSink,
  provider: ClusterProvider,
  change: VendorChange,
  o: WaitOptions,
): Promise<void> {
  const deadline = Date.now() + (o.deadlineMs ?? 60 * 60_000);
  let delay = 200;
  let polls = 0;
  for (;;) {
    const s: ChangeState = await provider.checkChange(change);
    if (s.state === 'failed')
      throw new VendorChangeFailed(`${o.what} failed at ${provider.name}: ${s.message}`, s.vendor_code);
    if (s.state === 'succeeded' && (!o.until || (await o.until()))) return;
    if (Date.now() > deadline)
      throw new AppError(
        ErrorCode.UPSTREAM_TIMEOUT,
        `${o.what} did not finish at ${provider.name} within ${Math.round((o.deadlineMs ?? 3_600_000) / 60_000)} min`,
      );
    polls++;
    await ctx.progress(
      o.from + (o.to - o.from) * (1 - 1 / (1 + polls / 5)),
      `${o.what}: ${s.state === 'running' && s.message ? s.message : 'waiting for the vendor'}`,
    );
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(10_000, Math.round(delay * 1.5));
  }
}
