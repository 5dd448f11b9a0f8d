const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJ = 0x7b;
const CLOSE_OBJ = 0x7d;
const OPEN_ARR = 0x5b;
const CLOSE_ARR = 0x5d;

/**
 * Finds the top-level elements of a JSON array without parsing it: tracks nesting depth and strings,
 * jumping over string contents with the native Buffer.indexOf. Fed in chunks; keeps its state between
 * them. Used to count or slice list items while their bytes pass through untouched.
 */
export class JsonArrayScanner {
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Top-level elements seen so far. */
  count = 0;

  /**
   * Scans `b`. `onStart(i)` / `onEnd(i)` receive offsets in `b` where a top-level element begins and
   * just after it ends (objects and arrays; Kubernetes list items are objects). Returns the offset of
   * the array's closing bracket when it is in `b` (scanning stops there), else -1.
   */
  feed(b: Buffer, onStart?: (i: number) => void, onEnd?: (i: number) => void): number {
    const n = b.length;
    let i = 0;
    let nextBackslash = -2;
    while (i < n) {
      if (this.inString) {
        if (this.escaped) {
          this.escaped = false;
          i++;
          continue;
        }
        const q = b.indexOf(QUOTE, i);
        if (nextBackslash !== -1 && nextBackslash < i) nextBackslash = b.indexOf(BACKSLASH, i);
        if (nextBackslash !== -1 && (q === -1 || nextBackslash < q)) {
          // An escape before the closing quote: skip the escaped character.
          i = nextBackslash + 2;
          if (i > n) this.escaped = true;
          continue;
        }
        if (q === -1) return -1; // the string goes on in the next chunk
        this.inString = false;
        i = q + 1;
        continue;
      }
      const c = b[i];
      if (c === QUOTE) {
        this.inString = true;
      } else if (c === OPEN_OBJ || c === OPEN_ARR) {
        if (this.depth === 1) {
          this.count++;
          onStart?.(i);
        }
        this.depth++;
      } else if (c === CLOSE_OBJ || c === CLOSE_ARR) {
        this.depth--;
        if (this.depth === 1) onEnd?.(i + 1);
        if (this.depth === 0) return i; // the array itself closed here
      }
      i++;
    }
    return -1;
  }
}
