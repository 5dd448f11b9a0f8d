import { AppError } from '../app-error.js';
import { isOutboundRefusal } from '../outbound/outbound-policy.js';

/**
 * A failed vendor call in Berth's terms. Each vendor's classifier turns what its HTTP client or SDK
 * throws into one of these; the caller decides on retries from `kind` alone.
 */
export interface VendorFailure {
  kind:
    'credential' | 'throttled' | 'not_found' | 'client' | 'server' | 'unavailable' | 'timeout' | 'refused';
  vendor_code: string | null;
  vendor_status: number | null;
  request_id: string | null;
  message: string;
  /** The vendor's Retry-After (seconds), when it sent one: waited for instead of the backoff (capped). */
  retry_after?: string | null;
}

/** Deadline, attempts and backoff of every call to one vendor. */
export interface VendorRetryPolicy {
  /** Bound on each attempt (ms): the attempt is abandoned (its request aborted) when it passes. */
  timeoutMs: number;
  /** Attempts for a retryable failure, the first included (1 = no retry). */
  attempts: number;
  /** First backoff (ms); doubled per retry, with jitter. */
  backoffMs: number;
  /** Cap on one wait, Retry-After included (default 5000 ms). */
  maxBackoffMs?: number;
  /** Where each attempt is reported (Prometheus `berth_vendor_requests_total` / `…_duration_seconds`). */
  meter?: VendorCallMeter;
}

/** Receives every attempt: outcome `ok`, the failure kind, or `error` (Berth's own AppError). */
export interface VendorCallMeter {
  attempt(vendor: string, operation: string, outcome: string, seconds: number): void;
}

/** How one vendor's failures read: its classifier and its AppError mapping, plugged into the caller. */
export interface VendorErrorMapping {
  /** Classifies what a vendor attempt threw (network failures are classified before, by `networkFailure`). */
  classify(e: unknown): VendorFailure;
  /** The AppError the API and operations report for the failure that ended the call. */
  toError(f: VendorFailure, action: string, cause: unknown): AppError;
}

/** The attempt passed its deadline. */
export class VendorDeadlineError extends Error {
  readonly code = 'EBERTH_DEADLINE';
}

const DEFAULT_MAX_BACKOFF_MS = 5000;

/**
 * Failures that say nothing about the work itself: the vendor was throttling, erring (5xx), slow or
 * unreachable. A caller polling long-running work reads them as "no news" (see providers/vendor-wait).
 */
const TRANSIENT_KINDS: ReadonlySet<VendorFailure['kind']> = new Set([
  'throttled',
  'server',
  'unavailable',
  'timeout',
]);
const transientErrors = new WeakSet<object>();

/** Whether `e` is the final error of a vendor call that failed for a transient reason (throttling, 5xx, timeout, reset). */
export function isTransientVendorError(e: unknown): boolean {
  return typeof e === 'object' && e !== null && transientErrors.has(e);
}
const NETWORK_CODES =
  /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|EPIPE|ECONNABORTED|UND_ERR_\w+)$/;

/**
 * Network-level failures every HTTP stack and SDK reports the same way: a refusal by the outbound
 * policy (never retried), a deadline or socket timeout, a connection that could not be made or broke.
 * null: not a network failure (the vendor answered; its classifier reads the answer).
 */
export function networkFailure(e: unknown): VendorFailure | null {
  const err = e as { code?: unknown; name?: string; message?: string; cause?: { code?: unknown } } | null;
  const code = err?.cause?.code ?? err?.code;
  const message = err?.message ?? String(e);
  const none = { vendor_code: null, vendor_status: null, request_id: null };
  // The endpoint resolves to an address Berth may not connect to: retrying cannot help.
  if (isOutboundRefusal(e)) return { kind: 'refused', ...none, message };
  if (
    e instanceof VendorDeadlineError ||
    code === 'ETIMEDOUT' ||
    err?.name === 'TimeoutError' ||
    /ReadTimeout|ConnectTimeout|timed? ?out/i.test(message)
  ) {
    return { kind: 'timeout', ...none, message };
  }
  if (typeof code === 'string' && NETWORK_CODES.test(code)) {
    return {
      kind: 'unavailable',
      ...none,
      vendor_code: code,
      message: `${code}: cannot reach the vendor API`,
    };
  }
  return null;
}

/** An error the vendor's classifier does not recognise (not one of its answers): the vendor is unavailable. */
export function unrecognisedFailure(e: unknown): VendorFailure {
  return {
    kind: 'unavailable',
    vendor_code: null,
    vendor_status: null,
    request_id: null,
    message: (e as Error)?.message ?? String(e),
  };
}

/**
 * Whether a failure is worth another attempt. Throttling is refused before the vendor does anything,
 * so it is retried for every call; 5xx and broken connections only for idempotent calls (a create that
 * failed with a 5xx may have happened). A timeout is not retried: the deadline is what the caller
 * waits at most, and a write that timed out may have happened too. Refusals never are.
 */
export function isRetryable(f: VendorFailure, idempotent: boolean): boolean {
  if (f.kind === 'throttled') return true;
  return idempotent && (f.kind === 'server' || f.kind === 'unavailable');
}

/** Backoff before attempt `attempt + 1`: exponential with jitter, or the vendor's Retry-After; capped. */
export function backoffMs(policy: VendorRetryPolicy, attempt: number, retryAfter?: string | null): number {
  const cap = policy.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS;
  if (retryAfter && /^\d+$/.test(retryAfter.trim())) return Math.min(Number(retryAfter) * 1000, cap);
  const delay = policy.backoffMs * 2 ** (attempt - 1);
  return Math.min(delay / 2 + Math.random() * (delay / 2), cap);
}

/**
 * The one way Berth calls a vendor (Rancher, Harbor, the ACK and TKE SDKs): a deadline on every
 * attempt, retries with backoff as `isRetryable` says, network failures classified once here, the
 * vendor's own failures by its classifier, and the final failure mapped by the vendor's mapping.
 * An AppError thrown by an attempt is Berth's own verdict and passes through untouched.
 */
export class VendorCaller {
  constructor(
    private readonly policy: VendorRetryPolicy,
    private readonly mapping: VendorErrorMapping,
    /** The vendor's name in metrics (rancher, ack, tke, harbor). */
    private readonly vendor = 'unknown',
  ) {}

  /**
   * `fn` gets a signal aborted at the deadline (HTTP requests end with it; an SDK call is abandoned).
   * `o.operation` names the call in metrics (default `action`); it must be of a bounded set.
   */
  async call<T>(
    action: string,
    fn: (signal: AbortSignal) => Promise<T>,
    o: { idempotent: boolean; operation?: string },
  ): Promise<T> {
    const meter = this.policy.meter;
    const operation = o.operation ?? action;
    for (let attempt = 1; ; attempt++) {
      const startedAt = performance.now();
      const report = (outcome: string) =>
        meter?.attempt(this.vendor, operation, outcome, (performance.now() - startedAt) / 1000);
      try {
        const value = await withDeadline(fn, this.policy.timeoutMs);
        report('ok');
        return value;
      } catch (e) {
        if (e instanceof AppError) {
          report('error');
          throw e;
        }
        const f = networkFailure(e) ?? this.mapping.classify(e);
        report(f.kind);
        if (attempt >= this.policy.attempts || !isRetryable(f, o.idempotent)) {
          const err = this.mapping.toError(f, action, e);
          if (TRANSIENT_KINDS.has(f.kind)) transientErrors.add(err);
          throw err;
        }
        await sleep(backoffMs(this.policy, attempt, f.retry_after));
      }
    }
  }
}

/** Runs `fn` with a signal aborted after `ms`, and rejects with VendorDeadlineError then at the latest. */
async function withDeadline<T>(fn: (signal: AbortSignal) => Promise<T>, ms: number): Promise<T> {
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const e = new VendorDeadlineError(`no answer within ${ms} ms`);
      reject(e);
      abort.abort(e);
    }, ms);
  });
  try {
    return await Promise.race([Promise.resolve().then(() => fn(abort.signal)), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
