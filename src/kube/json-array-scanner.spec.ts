import { describe, expect, it } from '@jest/globals';
import { JsonArrayScanner } from './json-array-scanner.js';

/** The top-level elements of a complete array, found through the scanner's callbacks. */
function sliceArray(b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = -1;
  new JsonArrayScanner().feed(
    b,
    (i) => (start = i),
    (i) => out.push(b.subarray(start, i)),
  );
  return out;
}

const items = [
  { metadata: { name: 'a', annotations: { x: 'has "quotes" and \\ backslashes and } braces ] [' } } },
  { metadata: { name: 'b' }, spec: { list: [{ y: 1 }, { z: [2, 3] }] } },
  { metadata: { name: 'c\\' }, data: { k: '\\"' } },
];

describe('JsonArrayScanner', () => {
  it('slices top-level items of an array, whatever their strings hold', () => {
    const raw = Buffer.from(JSON.stringify(items));
    expect(sliceArray(raw).map((s) => JSON.parse(s.toString()))).toEqual(items);
    expect(sliceArray(Buffer.from('[]'))).toEqual([]);
  });

  it('counts items fed in chunks split anywhere, even inside escapes', () => {
    const raw = Buffer.from(JSON.stringify(items));
    for (let size = 1; size < 12; size++) {
      const scanner = new JsonArrayScanner();
      for (let i = 0; i < raw.length; i += size) scanner.feed(raw.subarray(i, i + size));
      expect(scanner.count).toBe(3);
    }
  });
});
