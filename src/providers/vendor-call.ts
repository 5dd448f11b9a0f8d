import { AppError } from '../common/app-error.js';
import { ErrorCode } from '../common/error-codes.js';
import { isOutboundRefusal } from '../common/outbound/outbound-policy.js';
import type { ProviderName, VendorCallOptions } from './cluster-provider.js';

/** A vendor failure in Berth's terms, produced by each adapter's classifier. */
export interface VendorFailure {
  kind: 'credential' | 'throttled' | 'not_found' | 'client' | 'server' | 'unavailable' | 'timeout';
  vendor_code: string | null;
  vendor_status: number | null;
  request_id: string | null;
  message: string;
}

export class VendorTimeoutError extends Error {}

const RETRYABLE: VendorFailure['kind'][] = ['throttled', 'server', 'unavailable', 'timeout'];

/** Turns a classified vendor failure into the AppError the API and operations report. */
export function toAppError(vendor: ProviderName, action: string, f: VendorFailure): AppError {
  const details: Record<string, unknown> = { vendor, action, vendor_code: f.vendor_code, vendor_status: f.vendor_status, request_id: f.request_id };
  switch (f.kind) {
    case 'credential':
      return new AppError(ErrorCode.VENDOR_CREDENTIAL_REJECTED, `${vendor} rejected the credential (${f.vendor_code ?? f.vendor_status}): check the key and secret`, {
        ...details,
        reason: 'credential_rejected',
      });
    case 'not_found':
      return new AppError(ErrorCode.NOT_FOUND, `${vendor} ${action}: ${f.message}`, details);
    case 'throttled':
      return new AppError(ErrorCode.VENDOR_UNAVAILABLE, `${vendor} throttled ${action} (${f.vendor_code}); retried, still refused`, { ...details, reason: 'throttled' });
    case 'unavailable':
      return new AppError(ErrorCode.VENDOR_UNAVAILABLE, `${vendor} ${action}: ${f.message}`, details);
    case 'timeout':
      return new AppError(ErrorCode.UPSTREAM_TIMEOUT, `${vendor} ${action} did not answer in time`, details);
    default:
      return new AppError(ErrorCode.VENDOR_API_ERROR, `${vendor} ${action} failed: ${f.vendor_code ? `${f.vendor_code}: ` : ''}${f.message}`, details);
  }
}

/** Network-level failures every HTTP stack reports the same way. */
export function networkFailure(e: unknown): VendorFailure | null {
  const err = e as { code?: string; name?: string; message?: string; cause?: { code?: string } };
  const code = err?.cause?.code ?? err?.code;
  const message = err?.message ?? String(e);
  if (e instanceof VendorTimeoutError || /ReadTimeout|ConnectTimeout|timed? ?out/i.test(message) || code === 'ETIMEDOUT' || err?.name === 'TimeoutError') {
    return { kind: 'timeout', vendor_code: null, vendor_status: null, request_id: null, message };
  }
  if (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|EPIPE|UND_ERR_\w+)$/.test(code)) {
    return { kind: 'unavailable', vendor_code: code, vendor_status: null, request_id: null, message: `${code}: cannot reach the vendor API` };
  }
  return null;
}

/**
 * Every vendor call goes through here: a hard deadline, and retries with exponential backoff and jitter
 * on throttling, 5xx, network errors and timeouts — for idempotent calls only. A non-idempotent call
 * (create, scale by delta) is retried only on throttling, which the vendor refuses before doing anything.
 */
export class VendorCaller {
  constructor(
    private readonly vendor: ProviderName,
    private readonly opts: VendorCallOptions,
    private readonly classify: (e: unknown) => VendorFailure,
  ) {}

  async call<T>(action: string, fn: () => Promise<T>, o: { idempotent: boolean }): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await withDeadline(fn(), this.opts.timeoutMs);
      } catch (e) {
        if (e instanceof AppError) throw e;
        // The endpoint resolves to an address Berth may not connect to: retrying cannot help.
        if (isOutboundRefusal(e)) throw toAppError(this.vendor, action, { kind: 'unavailable', vendor_code: null, vendor_status: null, request_id: null, message: (e as Error).message });
        const f = networkFailure(e) ?? this.classify(e);
        const retry = o.idempotent ? RETRYABLE.includes(f.kind) : f.kind === 'throttled';
        if (!retry || attempt >= this.opts.attempts) throw toAppError(this.vendor, action, f);
        const delay = this.opts.backoffMs * 2 ** (attempt - 1);
        await new Promise((r) => setTimeout(r, delay / 2 + Math.random() * (delay / 2)));
      }
    }
  }
}

function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new VendorTimeoutError(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}
