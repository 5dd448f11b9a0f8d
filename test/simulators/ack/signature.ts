// ACS3-HMAC-SHA256 verification, the signature the Alibaba Cloud OpenAPI SDKs (@alicloud/openapi-core)
// put on every ROA request:
//   CanonicalRequest = METHOD \n URI \n sorted query (k=enc(v)) \n "k:v\n" for host, content-type and
//                      every x-acs-* header (lowercase, sorted) \n signed header list \n hex sha256(body)
//   StringToSign     = "ACS3-HMAC-SHA256\n" + hex sha256(CanonicalRequest)
//   Authorization    = "ACS3-HMAC-SHA256 Credential=<AK>,SignedHeaders=a;b,Signature=<hex hmac(secret)>"
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export const ACS3 = 'ACS3-HMAC-SHA256';

export interface SignedRequest {
  method: string;
  /** Decoded path (it is re-encoded segment by segment, as the SDK percent-encodes path parameters). */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
}

export type VerifyResult =
  | { ok: true; accessKeyId: string }
  | { ok: false; status: number; code: string; message: string; accessKeyId?: string };

/** RFC 3986 encoding exactly as the SDK does it (encodeURIComponent plus !'()*). */
export function acsEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

const sha256Hex = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

function headerValue(h: string | string[] | undefined): string {
  return (Array.isArray(h) ? h.join(',') : (h ?? '')).trim();
}

export function canonicalRequest(req: SignedRequest, signedHeaders: string[], payloadHash: string): string {
  const uri = req.path
    .split('/')
    .map((seg) => acsEncode(seg))
    .join('/');
  const keys = [...new Set(req.query.keys())].sort();
  const query = keys.map((k) => `${k}=${acsEncode(req.query.get(k) ?? '')}`).join('&');
  const headers = signedHeaders.map((h) => `${h}:${headerValue(req.headers[h])}\n`).join('');
  return [req.method.toUpperCase(), uri, query, headers, signedHeaders.join(';'), payloadHash].join('\n');
}

export function acs3Signature(secret: string, canonical: string): string {
  const stringToSign = `${ACS3}\n${sha256Hex(canonical)}`;
  return createHmac('sha256', secret).update(stringToSign).digest('hex');
}

/** Parses "ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=a;b,Signature=hex". */
export function parseAuthorization(
  auth: string | undefined,
): { accessKeyId: string; signedHeaders: string[]; signature: string } | undefined {
  if (!auth?.startsWith(ACS3 + ' ')) return undefined;
  const parts = Object.fromEntries(
    auth
      .slice(ACS3.length + 1)
      .split(',')
      .map((p) => p.trim().split('=') as [string, string | undefined]),
  );
  const {
    Credential: accessKeyId,
    SignedHeaders: sh,
    Signature: signature,
  } = parts as Record<string, string | undefined>;
  if (!accessKeyId || !sh || !signature) return undefined;
  return { accessKeyId, signedHeaders: sh.split(';'), signature };
}

/**
 * Verifies a request signed by an Alibaba Cloud SDK. `secretFor` maps an AccessKeyId to its secret.
 * Error codes and statuses follow the OpenAPI gateway: IncompleteSignature 400, InvalidAccessKeyId.NotFound
 * 404, SignatureDoesNotMatch 400, InvalidTimeStamp.Expired 400 (> 15 min skew), SignatureNonceUsed 400.
 */
export function verifyAcs3(
  req: SignedRequest,
  secretFor: (accessKeyId: string) => string | undefined,
  seenNonces?: Set<string>,
): VerifyResult {
  const auth = parseAuthorization(headerValue(req.headers.authorization));
  if (!auth)
    return {
      ok: false,
      status: 400,
      code: 'IncompleteSignature',
      message: 'The request signature does not conform to Aliyun standards.',
    };
  const secret = secretFor(auth.accessKeyId);
  if (secret === undefined)
    return {
      ok: false,
      status: 404,
      code: 'InvalidAccessKeyId.NotFound',
      message: 'Specified access key is not found.',
    };

  const fail = (code: string, message: string, status = 400): VerifyResult => ({
    ok: false,
    status,
    code,
    message,
    accessKeyId: auth.accessKeyId,
  });
  const required = [
    'host',
    'x-acs-action',
    'x-acs-version',
    'x-acs-date',
    'x-acs-signature-nonce',
    'x-acs-content-sha256',
  ];
  const present = Object.keys(req.headers).filter(
    (h) => h === 'host' || h === 'content-type' || h.startsWith('x-acs-'),
  );
  const signed = new Set(auth.signedHeaders);
  const missing = [...required, ...present].find((h) => !signed.has(h) || req.headers[h] === undefined);
  if (missing)
    return fail(
      'IncompleteSignature',
      `The request signature does not conform to Aliyun standards: header ${missing} must be present and signed.`,
    );
  if ([...signed].some((h, i, a) => h !== h.toLowerCase() || (i > 0 && a[i - 1] >= h)))
    return fail('IncompleteSignature', 'SignedHeaders must be lowercase and sorted.');

  const payloadHash = sha256Hex(req.rawBody);
  if (headerValue(req.headers['x-acs-content-sha256']) !== payloadHash)
    return fail(
      'SignatureDoesNotMatch',
      'Specified signature is not matched with our calculation: x-acs-content-sha256 does not match the body.',
    );

  const date = Date.parse(headerValue(req.headers['x-acs-date']));
  if (Number.isNaN(date))
    return fail('InvalidTimeStamp.Format', 'Specified time stamp or date value is not well formatted.');
  if (Math.abs(Date.now() - date) > 15 * 60_000)
    return fail('InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.');

  const expected = acs3Signature(secret, canonicalRequest(req, auth.signedHeaders, payloadHash));
  const a = Buffer.from(expected);
  const b = Buffer.from(auth.signature.toLowerCase());
  if (a.length !== b.length || !timingSafeEqual(a, b))
    return fail('SignatureDoesNotMatch', 'Specified signature is not matched with our calculation.');

  if (seenNonces) {
    const nonce = headerValue(req.headers['x-acs-signature-nonce']);
    if (seenNonces.has(nonce))
      return fail('SignatureNonceUsed', 'Specified signature nonce was used already.');
    seenNonces.add(nonce);
  }
  return { ok: true, accessKeyId: auth.accessKeyId };
}
