import { createPrivateKey } from 'node:crypto';
import { createSecureContext } from 'node:tls';

/**
 * Checks of credential material before it is stored or handed to Node's HTTP/TLS stack, which throws
 * synchronously on it (an invalid header value, a certificate or key that is not PEM). Each check says
 * what is wrong in words a user can act on, or returns undefined when the value is usable.
 */

const hex = (c: number) => `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;

/** Why `token` (already trimmed) cannot be sent as `Authorization: Bearer <token>`; undefined when it can. */
export function tokenProblem(token: string): string | undefined {
  if (!token) return 'is empty';
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    const at = `at position ${i + 1}`;
    if (c === 0x0a || c === 0x0d) return `contains a line break ${at}; a bearer token is one line`;
    if (c === 0) return `contains a NUL byte ${at}`;
    if (c < 0x20 || c === 0x7f) return `contains the control character ${hex(c)} ${at}`;
    if (c === 0x20) return `contains a space ${at}; a bearer token has no whitespace`;
    if (c > 0x7e) return `contains the non-ASCII character ${hex(c)} ${at}; a bearer token is ASCII`;
  }
  return undefined;
}

/** Base64 text → bytes; undefined when it is not base64 at all. */
function fromBase64(b64: string): Buffer | undefined {
  const clean = b64.replace(/\s+/g, '');
  if (!clean || !/^[A-Za-z0-9+/]+={0,2}$/.test(clean)) return undefined;
  return Buffer.from(clean, 'base64');
}

const firstLine = (e: unknown) => String((e as Error)?.message ?? e).split('\n')[0];

/**
 * Why a client certificate and key (base64 of PEM, as kubeconfig's client-certificate-data and
 * client-key-data) cannot be used for TLS; undefined when they can.
 */
export function clientCertificateProblem(
  certB64: string,
  keyB64: string,
): { part: 'cert' | 'key'; why: string } | undefined {
  const cert = fromBase64(certB64);
  if (!cert) return { part: 'cert', why: 'is not base64' };
  const key = fromBase64(keyB64);
  if (!key) return { part: 'key', why: 'is not base64' };
  if (!cert.includes('-----BEGIN CERTIFICATE-----'))
    return { part: 'cert', why: 'is not a PEM certificate (base64 of "-----BEGIN CERTIFICATE-----…")' };
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key.toString('latin1')))
    return { part: 'key', why: 'is not a PEM private key (base64 of "-----BEGIN … PRIVATE KEY-----…")' };
  try {
    createSecureContext({ cert });
  } catch (e) {
    return { part: 'cert', why: `is not a usable PEM certificate (${firstLine(e)})` };
  }
  try {
    createPrivateKey({ key, format: 'pem' });
  } catch (e) {
    return { part: 'key', why: `is not a usable PEM private key (${firstLine(e)})` };
  }
  try {
    createSecureContext({ cert, key });
  } catch (e) {
    return { part: 'key', why: `does not fit the client certificate (${firstLine(e)})` };
  }
  return undefined;
}
