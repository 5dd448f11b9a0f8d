import { describe, expect, it } from '@jest/globals';
import { bufferParts } from './buffer-parts.js';

describe('bufferParts', () => {
  it('sends every byte in order, in writes of about 64 KiB, and says the length', async () => {
    const parts = Array.from({ length: 3000 }, (_, i) =>
      Buffer.from(`{"i":${i},"pad":"${'x'.repeat(90)}"},`),
    );
    const { stream, length } = bufferParts(parts);
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    const all = Buffer.concat(chunks);
    expect(all.equals(Buffer.concat(parts))).toBe(true);
    expect(length).toBe(all.length);
    // About 300 KiB: five or six writes, not 3,000.
    expect(chunks.length).toBeGreaterThanOrEqual(4);
    expect(chunks.length).toBeLessThanOrEqual(6);
  });

  it('an empty list of parts is an empty stream', async () => {
    const { stream, length } = bufferParts([]);
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    expect(chunks).toEqual([]);
    expect(length).toBe(0);
  });
});
