// TC3-HMAC-SHA256 verification, the signature tencentcloud-sdk-nodejs puts on every API 3.0 request:
//   CanonicalRequest = METHOD \n / \n query \n "content-type:<ct>\nhost:<host without port>\n" \n
//                      "content-type;host" \n hex sha256(body)
//   StringToSign     = "TC3-HMAC-SHA256\n<timestamp>\n<UTC date>/<service>/tc3_request\n" + hex sha256(canonical)
//   kDate = HMAC("TC3"+secretKey, date); kService = HMAC(kDate, service); kSigning = HMAC(kService, "tc3_request")
//   Authorization    = "TC3-HMAC-SHA256 Credential=<SecretId>/<date>/<service>/tc3_request, SignedHeaders=content-type;host, Signature=<hex>"
// `service` is taken from the credential scope: for an IP endpoint the SDK derives it from the host ("127").
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export const TC3 = 'TC3-HMAC-SHA256';
/** Largest accepted clock skew between X-TC-Timestamp and the simulator's clock. */
export const MAX_SKEW_SECONDS = 300;

export interface SignedRequest {
  method: string;
  path: string;
  /** The raw query string (without "?"), as signed. */
  rawQuery?: string;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
}

export type VerifyResult =
  { ok: true; secretId: string; service: string } | { ok: false; code: string; message: string };

const sha256Hex = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();

function header(headers: IncomingHttpHeaders, name: string): string {
  const v = headers[name];
  return (Array.isArray(v) ? v.join(',') : (v ?? '')).trim();
}

export function utcDate(timestamp: number): string {
  return new Date(timestamp * 1000).toISOString().slice(0, 10);
}

export function canonicalRequest(req: SignedRequest, signedHeaders: string[]): string {
  const canonicalHeaders = signedHeaders
    .map((h) => {
      const value = h === 'host' ? header(req.headers, 'host').replace(/:\d+$/, '') : header(req.headers, h);
      return `${h}:${value.toLowerCase()}\n`;
    })
    .join('');
  return [
    req.method.toUpperCase(),
    req.path,
    req.rawQuery ?? '',
    canonicalHeaders,
    signedHeaders.join(';'),
    sha256Hex(req.rawBody),
  ].join('\n');
}

export function tc3Signature(
  secretKey: string,
  timestamp: number,
  service: string,
  canonical: string,
): string {
  const date = utcDate(timestamp);
  const stringToSign = `${TC3}\n${timestamp}\n${date}/${service}/tc3_request\n${sha256Hex(canonical)}`;
  const kSigning = hmac(hmac(hmac('TC3' + secretKey, date), service), 'tc3_request');
  return createHmac('sha256', kSigning).update(stringToSign).digest('hex');
}

/** Parses "TC3-HMAC-SHA256 Credential=id/date/service/tc3_request, SignedHeaders=a;b, Signature=hex". */
export function parseAuthorization(
  auth: string,
):
  | { secretId: string; date: string; service: string; signedHeaders: string[]; signature: string }
  | undefined {
  const m =
    /^TC3-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{4}-\d{2}-\d{2})\/([^/,\s]+)\/tc3_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
  if (!m) return undefined;
  return { secretId: m[1], date: m[2], service: m[3], signedHeaders: m[4].split(';'), signature: m[5] };
}

/**
 * Verifies a TC3-signed request. `secretKeyFor` maps a SecretId to its SecretKey. Codes follow Tencent
 * Cloud API 3.0: AuthFailure.InvalidAuthorization (malformed), AuthFailure.SecretIdNotFound,
 * AuthFailure.SignatureExpire (timestamp skew > 300 s), AuthFailure.SignatureFailure (mismatch).
 */
export function verifyTc3(
  req: SignedRequest,
  secretKeyFor: (secretId: string) => string | undefined,
  nowSeconds = Math.floor(Date.now() / 1000),
): VerifyResult {
  const auth = parseAuthorization(header(req.headers, 'authorization'));
  if (!auth)
    return {
      ok: false,
      code: 'AuthFailure.InvalidAuthorization',
      message: 'Authorization header is missing or does not conform to the TC3-HMAC-SHA256 standard.',
    };
  if (!auth.signedHeaders.includes('content-type') || !auth.signedHeaders.includes('host'))
    return {
      ok: false,
      code: 'AuthFailure.InvalidAuthorization',
      message: 'SignedHeaders must include content-type and host.',
    };
  const secretKey = secretKeyFor(auth.secretId);
  if (secretKey === undefined)
    return {
      ok: false,
      code: 'AuthFailure.SecretIdNotFound',
      message: 'The SecretId is not found, please ensure that your SecretId is correct.',
    };

  const ts = Number(header(req.headers, 'x-tc-timestamp'));
  if (!Number.isInteger(ts) || ts <= 0)
    return {
      ok: false,
      code: 'MissingParameter',
      message: 'The request is missing a required parameter `Timestamp`.',
    };
  if (Math.abs(nowSeconds - ts) > MAX_SKEW_SECONDS)
    return {
      ok: false,
      code: 'AuthFailure.SignatureExpire',
      message: `Signature expired. Timestamp date: ${new Date(ts * 1000).toISOString()}, server date: ${new Date(nowSeconds * 1000).toISOString()}.`,
    };
  if (auth.date !== utcDate(ts))
    return {
      ok: false,
      code: 'AuthFailure.SignatureFailure',
      message: 'The credential date does not match X-TC-Timestamp.',
    };

  const expected = Buffer.from(
    tc3Signature(secretKey, ts, auth.service, canonicalRequest(req, auth.signedHeaders)),
  );
  const given = Buffer.from(auth.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return {
      ok: false,
      code: 'AuthFailure.SignatureFailure',
      message: 'The provided credentials could not be validated. Please check your signature is correct.',
    };
  return { ok: true, secretId: auth.secretId, service: auth.service };
}
