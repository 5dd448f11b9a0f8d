import { describe, expect, it } from '@jest/globals';
import type { AppConfig } from '../../config/app-config.js';
import { maskSecret, SecretBox, SecretDecryptError } from './secret-box.js';

const k = (n: number) => Buffer.alloc(32, n).toString('base64');
const box = (keys: string) => new SecretBox({ encryption: { keys } } as AppConfig);

describe('SecretBox', () => {
  it('round-trips and never produces the same ciphertext twice', () => {
    const b = box(`a:${k(1)}`);
    const s1 = b.seal('hunter2', 'credentials:1');
    const s2 = b.seal('hunter2', 'credentials:1');
    expect(s1).not.toBe(s2);
    expect(s1.startsWith('v1:a:')).toBe(true);
    expect(s1).not.toContain('hunter2');
    expect(b.open(s1, 'credentials:1')).toBe('hunter2');
  });

  it('binds the ciphertext to its row: another context does not decrypt', () => {
    const b = box(`a:${k(1)}`);
    expect(() => b.open(b.seal('x', 'credentials:1'), 'credentials:2')).toThrow(SecretDecryptError);
  });

  it('detects tampering', () => {
    const b = box(`a:${k(1)}`);
    const sealed = b.seal('secret', 'c');
    const raw = Buffer.from(sealed.split(':')[2], 'base64');
    raw[raw.length - 1] ^= 1;
    expect(() => b.open(`v1:a:${raw.toString('base64')}`, 'c')).toThrow(/failed authentication/);
  });

  it('encrypts with the first key and decrypts with any key of the ring', () => {
    const old = box(`a:${k(1)}`).seal('s', 'c');
    const rotated = box(`b:${k(2)},a:${k(1)}`);
    expect(rotated.activeKeyId).toBe('b');
    expect(rotated.open(old, 'c')).toBe('s');
    expect(rotated.seal('s', 'c').startsWith('v1:b:')).toBe(true);
    expect(() => box(`b:${k(2)}`).open(old, 'c')).toThrow(/key "a", which is not in the key ring/);
  });

  it('masks secrets to a short hint', () => {
    expect(maskSecret('abcdefghijklmnop')).toBe('****mnop');
    expect(maskSecret('short')).toBe('****');
  });
});
