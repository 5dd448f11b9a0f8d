import { AppError } from '../../common/app-error.js';
import { ErrorCode } from '../../common/error-codes.js';
import {
  unrecognisedFailure,
  type VendorErrorMapping,
  type VendorFailure,
} from '../../common/http/vendor-caller.js';

/** Who made a Harbor call: named in every error so the caller knows which registry and credential. */
export interface HarborCallContext {
  registryId: string;
  registryName: string;
  credentialName: string;
}

interface HarborErrorBody {
  errors?: { code?: string; message?: string }[];
}

/** Harbor's `{"errors":[{code,message}]}` body, or what can be made of a body that is not one. */
export function parseHarborError(body: Buffer | string): { code: string | null; message: string | null } {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  try {
    const parsed = JSON.parse(text) as HarborErrorBody;
    const first = parsed?.errors?.[0];
    if (first) return { code: first.code ?? null, message: first.message ?? null };
  } catch {
    /* not JSON */
  }
  const trimmed = text.trim().slice(0, 300);
  return { code: null, message: trimmed || null };
}

/**
 * Maps an HTTP error answer of Harbor onto Berth's codes. What the caller can act on keeps its
 * meaning (404, 409, 412); Harbor refusing Berth's stored credential is Berth's configuration
 * problem, not the caller's (502); everything else Harbor says is a vendor error (502), with a
 * temporarily unavailable Harbor as 503 and a Harbor-side gateway timeout as 504.
 */
export function harborError(
  ctx: HarborCallContext,
  status: number,
  body: Buffer | string,
  requestId: string | null,
  retryAfter?: string,
): AppError {
  const { code, message } = parseHarborError(body);
  const said = message ?? `HTTP ${status}`;
  const details: Record<string, unknown> = {
    registry_id: ctx.registryId,
    registry_name: ctx.registryName,
    vendor: 'harbor',
    vendor_status: status,
    vendor_code: code,
    vendor_message: message,
    vendor_request_id: requestId,
  };
  const prefix = `Harbor registry ${ctx.registryName}`;
  switch (status) {
    case 401:
    case 403:
      return new AppError(
        ErrorCode.VENDOR_CREDENTIAL_REJECTED,
        `${prefix} refused the stored credential ${ctx.credentialName} (${status} ${code ?? ''}`.trimEnd() +
          `); update the credential or its permissions`,
        { ...details, credential_refused: true, credential_name: ctx.credentialName },
      );
    case 404:
      return new AppError(ErrorCode.NOT_FOUND, `${prefix}: ${said}`, details);
    case 409:
      return new AppError(ErrorCode.CONFLICT, `${prefix}: ${said}`, details);
    case 412:
      return new AppError(ErrorCode.PRECONDITION_FAILED, `${prefix}: ${said}`, details);
    case 429:
      return new AppError(
        ErrorCode.VENDOR_UNAVAILABLE,
        `${prefix} is throttling requests (429): ${said}`,
        details,
        retryAfter ? { 'Retry-After': retryAfter } : {},
      );
    case 503:
      return new AppError(
        ErrorCode.VENDOR_UNAVAILABLE,
        `${prefix} is unavailable (503): ${said}`,
        details,
        retryAfter ? { 'Retry-After': retryAfter } : {},
      );
    case 504:
      return new AppError(ErrorCode.UPSTREAM_TIMEOUT, `${prefix} timed out upstream (504): ${said}`, details);
    default:
      return new AppError(ErrorCode.VENDOR_API_ERROR, `${prefix} answered ${status}: ${said}`, details);
  }
}

/** An HTTP error answer of Harbor, as the attempt throws it to the vendor caller. */
export class HarborStatusError extends Error {
  constructor(
    readonly status: number,
    readonly body: Buffer | string,
    readonly requestId: string | null,
    readonly retryAfter?: string,
  ) {
    super(`Harbor answered ${status}`);
  }
}

/** What the vendor caller retries: 429 (any call), 500/502/503/504 (idempotent calls); nothing else. */
function harborKind(status: number): VendorFailure['kind'] {
  if (status === 429) return 'throttled';
  if (status === 503) return 'unavailable';
  if (status === 500 || status === 502 || status === 504) return 'server';
  if (status === 401 || status === 403) return 'credential';
  if (status === 404) return 'not_found';
  return 'client';
}

/**
 * Harbor's classifier and error mapping for the one vendor caller: answers keep Harbor's code, message
 * and request id (harborError); a call past its deadline is 504, a refused or broken connection 503.
 */
export function harborErrorMapping(ctx: HarborCallContext, timeoutMs: number): VendorErrorMapping {
  return {
    classify(e) {
      if (!(e instanceof HarborStatusError)) return unrecognisedFailure(e);
      return {
        kind: harborKind(e.status),
        vendor_code: null,
        vendor_status: e.status,
        request_id: e.requestId,
        message: e.message,
        retry_after: e.retryAfter ?? null,
      };
    },
    toError(f, _action, cause) {
      if (cause instanceof HarborStatusError)
        return harborError(ctx, cause.status, cause.body, cause.requestId, cause.retryAfter);
      if (f.kind === 'timeout') return harborTimeout(ctx, timeoutMs);
      const err = cause as { code?: unknown; message?: unknown } | null;
      return harborUnreachable(
        ctx,
        typeof err?.code === 'string' ? `${err.code}: ${String(err.message)}` : f.message,
      );
    },
  };
}

export function harborUnreachable(ctx: HarborCallContext, reason: string): AppError {
  return new AppError(
    ErrorCode.VENDOR_UNAVAILABLE,
    `Harbor registry ${ctx.registryName} cannot be reached: ${reason}`,
    {
      registry_id: ctx.registryId,
      registry_name: ctx.registryName,
      vendor: 'harbor',
      reason,
    },
  );
}

export function harborTimeout(ctx: HarborCallContext, timeoutMs: number): AppError {
  return new AppError(
    ErrorCode.UPSTREAM_TIMEOUT,
    `Harbor registry ${ctx.registryName} did not answer within ${timeoutMs} ms`,
    {
      registry_id: ctx.registryId,
      registry_name: ctx.registryName,
      vendor: 'harbor',
      timeout_ms: timeoutMs,
    },
  );
}

/**
 * Harbor's Link header: `<url>; rel="prev" , <url>; rel="next"` (entries joined by " , ", URLs
 * relative). Returns the URL per rel; tolerant of spacing and of commas inside the URLs' queries.
 */
export function parseLinkHeader(header: string | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  const re = /<([^>]*)>\s*((?:;\s*[A-Za-z*]+\s*=\s*(?:"[^"]*"|[^;,\s]*)\s*)*)/g;
  for (let m = re.exec(header); m; m = re.exec(header)) {
    const rel = /;\s*rel\s*=\s*"?([^";]+)"?/i.exec(m[2]);
    if (!rel) continue;
    for (const r of rel[1].trim().split(/\s+/)) out[r.toLowerCase()] = m[1];
  }
  return out;
}
