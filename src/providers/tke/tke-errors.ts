import type { VendorFailure } from '../vendor-call.js';

interface TkeSdkError {
  code?: string;
  requestId?: string;
  httpCode?: number;
  message?: string;
}

/** Classifies TencentCloudSDKHttpException (`.code`, `.requestId`; errors arrive as HTTP 200 bodies). */
export function classifyTkeError(e: unknown): VendorFailure {
  const err = (e ?? {}) as TkeSdkError;
  const code = err.code ?? null;
  const base = {
    vendor_code: code,
    vendor_status: err.httpCode ?? null,
    request_id: err.requestId ?? null,
    message: err.message ?? String(e),
  };
  if (!code) return { kind: (err.httpCode ?? 0) >= 500 ? 'server' : 'unavailable', ...base };
  if (
    /^AuthFailure\.(SignatureFailure|SecretIdNotFound|InvalidSecretId|InvalidAuthorization|TokenFailure)$/.test(
      code,
    )
  )
    return { kind: 'credential', ...base };
  if (/^RequestLimitExceeded/.test(code)) return { kind: 'throttled', ...base };
  if (/^ResourceNotFound/.test(code)) return { kind: 'not_found', ...base };
  if (/^InternalError/.test(code)) return { kind: 'server', ...base };
  return { kind: 'client', ...base };
}
