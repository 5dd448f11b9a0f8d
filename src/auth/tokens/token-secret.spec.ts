import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import {
  API_TOKEN_PREFIX,
  newSecret,
  REFRESH_TOKEN_PREFIX,
  sameHash,
  secretHash,
  secretHint,
  wellFormed,
} from './token-secret.js';

describe('token secrets', () => {
  it('are prefixed, base62, unique, and carry a checksum that catches any one changed character', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const s = newSecret(API_TOKEN_PREFIX);
      expect(s).toMatch(/^berth_pat_[0-9A-Za-z]{42}$/);
      expect(wellFormed(s, API_TOKEN_PREFIX)).toBe(true);
      seen.add(s);
    }
    expect(seen.size).toBe(200);
    const s = newSecret(API_TOKEN_PREFIX);
    for (let i = API_TOKEN_PREFIX.length; i < s.length; i++) {
      const c = s[i] === 'a' ? 'b' : 'a';
      expect(wellFormed(s.slice(0, i) + c + s.slice(i + 1), API_TOKEN_PREFIX)).toBe(false);
    }
    expect(wellFormed(s.slice(0, -1), API_TOKEN_PREFIX)).toBe(false);
    expect(wellFormed(s, REFRESH_TOKEN_PREFIX)).toBe(false);
    expect(wellFormed(newSecret(REFRESH_TOKEN_PREFIX), REFRESH_TOKEN_PREFIX)).toBe(true);
  });

  it('are stored as their SHA-256 and shown by prefix and last characters', () => {
    const s = newSecret(API_TOKEN_PREFIX);
    expect(secretHash(s).equals(createHash('sha256').update(s).digest())).toBe(true);
    expect(sameHash(secretHash(s), secretHash(s))).toBe(true);
    expect(sameHash(secretHash(s), secretHash(newSecret(API_TOKEN_PREFIX)))).toBe(false);
    expect(secretHint(s)).toBe(`berth_pat_…${s.slice(-6)}`);
    expect(secretHint(newSecret(REFRESH_TOKEN_PREFIX))).toMatch(/^berth_rt_…/);
  });
});
