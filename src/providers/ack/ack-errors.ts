import type { VendorFailure } from '../vendor-call.js';

const CREDENTIAL_CODES =
  /^(SignatureDoesNotMatch|IncompleteSignature|InvalidAccessKeyId(\..+)?|InvalidAccessKeySecret|Forbidden\.AccessKey\w*)$/;

interface AckSdkError {
  name?: string;
  code?: string;
  statusCode?: number;
  message?: string;
  requestId?: string;
  data?: Record<string, unknown>;
}

/** Classifies what the ACK SDK throws (ClientError, ServerError, ThrottlingError: `.code`, `.statusCode`, `.data`). */
export function classifyAckError(e: unknown): VendorFailure {
  const err = (e ?? {}) as AckSdkError;
  const data = err.data ?? {};
  const code = err.code ?? (data.code as string | undefined) ?? (data.Code as string | undefined) ?? null;
  const status = typeof err.statusCode === 'number' ? err.statusCode : null;
  const requestId =
    err.requestId ?? (data.requestId as string | undefined) ?? (data.RequestId as string | undefined) ?? null;
  const message =
    (data.message as string | undefined) ?? (data.Message as string | undefined) ?? err.message ?? String(e);
  const base = { vendor_code: code, vendor_status: status, request_id: requestId, message };
  if (code && CREDENTIAL_CODES.test(code)) return { kind: 'credential', ...base };
  if (err.name === 'ThrottlingError' || (code && /Throttling/i.test(code)) || status === 429)
    return { kind: 'throttled', ...base };
  if (status === 404 || (code && /NotFound$/.test(code))) return { kind: 'not_found', ...base };
  if (status === 503) return { kind: 'unavailable', ...base };
  if (status !== null && status >= 500) return { kind: 'server', ...base };
  if (status === null && !code) return { kind: 'unavailable', ...base };
  return { kind: 'client', ...base };
}
