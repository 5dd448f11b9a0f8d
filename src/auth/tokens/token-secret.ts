import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const RANDOM_LEN = 36; // 36 base62 characters ≈ 214 bits
const CHECK_LEN = 6; // base62 CRC32 of prefix + random part, like GitHub's tokens

export const API_TOKEN_PREFIX = 'berth_pat_';
export const REFRESH_TOKEN_PREFIX = 'berth_rt_';

/** Uniform base62 characters (rejection sampling: no modulo bias). */
function randomBase62(n: number): string {
  let out = '';
  while (out.length < n) {
    for (const b of randomBytes(n * 2)) {
      if (b < 248) out += ALPHABET[b % 62];
      if (out.length === n) break;
    }
  }
  return out;
}

function base62(n: number, width: number): string {
  let s = '';
  for (let v = n >>> 0; v > 0; v = Math.floor(v / 62)) s = ALPHABET[v % 62] + s;
  return s.padStart(width, '0');
}

function checksum(body: string): string {
  return base62(crc32(body), CHECK_LEN);
}

/**
 * A new secret `<prefix><36 random base62><6 base62 CRC32>`: the prefix makes it recognisable in logs
 * and to secret scanners, the checksum lets them (and Berth) tell a real token from a typo without a lookup.
 */
export function newSecret(prefix: string): string {
  const body = prefix + randomBase62(RANDOM_LEN);
  return body + checksum(body);
}

/** Shape and checksum only (no I/O): false for anything that cannot be a secret Berth issued. */
export function wellFormed(secret: string, prefix: string): boolean {
  if (secret.length !== prefix.length + RANDOM_LEN + CHECK_LEN || !secret.startsWith(prefix)) return false;
  const body = secret.slice(0, -CHECK_LEN);
  if (!/^[0-9A-Za-z]+$/.test(body.slice(prefix.length))) return false;
  return checksum(body) === secret.slice(-CHECK_LEN);
}

/** What is stored: the SHA-256 of the secret (the secret is high-entropy, so no slow hash is needed). */
export function secretHash(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

export function sameHash(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The last characters, shown in lists so a user can tell tokens apart (`berth_pat_…Xy12ab`). */
export function secretHint(secret: string): string {
  return `${secret.slice(0, secret.indexOf('_', 6) + 1)}…${secret.slice(-6)}`;
}
