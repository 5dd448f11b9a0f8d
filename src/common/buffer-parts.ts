import { Readable } from 'node:stream';

/** About the size of one socket write: big enough that a page costs a few writes, small enough to copy cheaply. */
const WRITE = 64 * 1024;

/**
 * A stream of many small buffers (a page built from slices of upstream answers) sent as writes of about
 * WRITE bytes: each write joins the next slices, so the page is never copied whole, and a 500-item page
 * costs about twenty writes instead of two thousand.
 */
export function bufferParts(parts: readonly Buffer[]): { stream: Readable; length: number } {
  let length = 0;
  for (const p of parts) length += p.length;
  let next = 0;
  const stream = new Readable({
    read() {
      while (next < parts.length) {
        let size = 0;
        const from = next;
        while (next < parts.length && size < WRITE) size += parts[next++].length;
        const chunk = next - from === 1 ? parts[from] : Buffer.concat(parts.slice(from, next), size);
        if (!this.push(chunk)) return;
      }
      this.push(null);
    },
  });
  return { stream, length };
}
