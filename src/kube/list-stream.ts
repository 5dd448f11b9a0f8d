import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { AppError } from '../common/app-error.js';
import { ErrorCode } from '../common/error-codes.js';
import { JsonArrayScanner } from './json-array-scanner.js';
import type { KubeList } from './kube-list.js';

const ITEMS = Buffer.from('"items":');
const HOLD = 16;
/** Upstream TLS chunks are small; relaying them one by one costs more CPU than the bytes themselves. */
const COALESCE = 128 * 1024;

/** Joins small chunks into writes of about COALESCE bytes. */
async function* coalesced(res: IncomingMessage): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    parts.push(chunk);
    size += chunk.length;
    if (size >= COALESCE) {
      yield parts.length === 1 ? parts[0] : Buffer.concat(parts, size);
      parts = [];
      size = 0;
    }
  }
  if (size) yield parts.length === 1 ? parts[0] : Buffer.concat(parts, size);
}
const NULL = Buffer.from('null');
const MAX_HEAD = 1024 * 1024;
/** Bound on reading a list's head (up to its items) when the caller gives none. */
const HEAD_TIMEOUT_MS = 30_000;
const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

type Meta = KubeList['metadata'];

export interface OpenList {
  /** The bytes of the items array ("[...]"), exactly as the API server sent them. */
  items: AsyncGenerator<Buffer>;
  /** The items array's bytes, read completely (without a generator per chunk). */
  readAll(): Promise<Buffer>;
  /**
   * A readable stream of `lead`, the items array's bytes and then `trailer()` (called once the items
   * ended, so it may use `count()` and `metadata()`), relayed with backpressure. Destroying it
   * releases the upstream answer.
   */
  relay(lead: Buffer, trailer: () => Promise<Buffer>): Readable;
  /** How many items the array holds (certain once `items` is exhausted). */
  count(): number;
  /** With `slices: true`: each item's [start, end) offset in the items bytes, found while they streamed. */
  slices(): [number, number][];
  /**
   * The list's metadata (continue, remainingItemCount). Typed lists put it before `items`;
   * unstructured ones (custom resources) after, so it is only certain once `items` is exhausted.
   */
  metadata(): Meta;
  /**
   * Releases the upstream answer unless it was read to its end. Safe to call any number of times; a
   * consumer that may stop before `items` is exhausted (or before it starts) must call it.
   */
  close(): void;
}

function readHead(res: IncomingMessage, timeoutMs: number): Promise<{ buf: Buffer; at: number }> {
  return new Promise((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    let finished = false;
    const done = (err: Error | null, at = -1) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      res.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (err) reject(err);
      else resolve({ buf, at });
    };
    // An API server that sends the answer's head and then stalls must not hold the connection forever.
    const timer = setTimeout(() => {
      res.destroy();
      done(
        new AppError(
          ErrorCode.UPSTREAM_TIMEOUT,
          `The API server did not send the list within ${timeoutMs} ms`,
          { timeout_ms: timeoutMs },
        ),
      );
    }, timeoutMs);
    const onClose = () =>
      done(new AppError(ErrorCode.CLUSTER_UNREACHABLE, 'The list stream broke: the connection closed'));
    const onData = (c: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, c]) : c;
      const at = buf.indexOf(ITEMS);
      // Wait for a few bytes past "items": to tell "[" from "null".
      if (at >= 0 && buf.length >= at + ITEMS.length + 8) {
        res.pause();
        done(null, at);
      } else if (buf.length > MAX_HEAD) {
        res.destroy();
        done(new AppError(ErrorCode.CLUSTER_API_ERROR, 'The API server sent a list without items'));
      }
    };
    const onEnd = () => done(null, buf.indexOf(ITEMS));
    const onError = (e: Error) =>
      done(new AppError(ErrorCode.CLUSTER_UNREACHABLE, `The list stream broke: ${e.message}`));
    res.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
    if (res.destroyed) onClose();
  });
}

/** Parses the list object around its items: the head `{...,` (before) or the tail `,...}` (after). */
function parseFragment(text: string, part: 'head' | 'tail'): Partial<KubeList> {
  const t = text.trim();
  const json = part === 'head' ? `${t.replace(/,$/, '')}}` : `{${t.replace(/^,/, '')}`;
  try {
    return JSON.parse(json) as Partial<KubeList>;
  } catch {
    throw new AppError(ErrorCode.CLUSTER_API_ERROR, 'The API server sent a list Berth cannot read');
  }
}

/**
 * Opens a Kubernetes list answer as a stream: the items array's bytes are handed on untouched (counted
 * on the way), and only the small rest of the list object (kind, apiVersion, metadata) is parsed — so
 * a list passes through Berth without being parsed or re-serialized.
 */
export async function openList(
  res: IncomingMessage,
  limit: number,
  opts: { slices?: boolean; timeoutMs?: number } = {},
): Promise<OpenList> {
  const { buf, at } = await readHead(res, opts.timeoutMs ?? HEAD_TIMEOUT_MS);
  let head: Partial<KubeList>;
  try {
    if (at < 0) throw new AppError(ErrorCode.CLUSTER_API_ERROR, 'The API server sent a list without items');
    head = parseFragment(buf.subarray(0, at).toString('utf8'), 'head');
  } catch (e) {
    res.destroy(); // never leave a half-read answer holding a pooled connection
    throw e;
  }
  let meta: Meta = head.metadata ?? {};
  let start = at + ITEMS.length;
  while (start < buf.length && isSpace(buf[start])) start++;
  const scanner = new JsonArrayScanner();
  // A typed list that says what is left after it is a full page: no need to count its items. Lists of
  // custom resources (metadata after the items), last pages and selector queries are counted as they pass.
  const full =
    !opts.slices &&
    head.metadata !== undefined &&
    Boolean(meta.continue) &&
    typeof meta.remainingItemCount === 'number';
  const bounds: [number, number][] = [];
  let base = 0; // offset of the chunk being scanned within the items bytes
  let open = 0;
  const onStart = opts.slices ? (i: number) => (open = base + i) : undefined;
  const onEnd = opts.slices ? (i: number) => bounds.push([open, base + i]) : undefined;

  // The cut: turns the upstream bytes after `"items":` into the items array's bytes, synchronously,
  // chunk by chunk (`emit` receives them); `end` checks the list ended whole and reads what followed.
  let feed: (chunk: Buffer, emit: (b: Buffer) => void) => void;
  let end: (emit: (b: Buffer) => void) => void;
  const first = buf.subarray(start);
  if (full) {
    // Typed full page: the items end where the list ends; hold back its last bytes to drop the closing "}".
    let pending = first;
    feed = (chunk, emit) => {
      if (chunk.length >= HOLD) {
        if (pending.length) emit(pending);
        emit(chunk.subarray(0, chunk.length - HOLD));
        pending = chunk.subarray(chunk.length - HOLD);
      } else pending = Buffer.concat([pending, chunk]);
    };
    end = (emit) => {
      let e = pending.length;
      while (e > 0 && isSpace(pending[e - 1])) e--;
      if (pending[e - 1] !== 0x7d)
        throw new AppError(ErrorCode.CLUSTER_API_ERROR, 'The API server’s list ended early');
      e--;
      while (e > 0 && isSpace(pending[e - 1])) e--;
      emit(pending.subarray(0, e));
    };
  } else {
    const tail: Buffer[] = [];
    let closed = false;
    let lead: Buffer | undefined = first;
    feed = (chunk, emit) => {
      if (lead) {
        const b = lead;
        lead = undefined;
        if (b.subarray(0, NULL.length).equals(NULL)) {
          // "items": null — an empty list.
          emit(Buffer.from('[]'));
          tail.push(b.subarray(NULL.length));
          closed = true;
        } else if (b.length) feed(b, emit);
      }
      if (closed) {
        tail.push(chunk);
        return;
      }
      const at = scanner.feed(chunk, onStart, onEnd);
      if (at < 0) {
        base += chunk.length;
        emit(chunk);
        return;
      }
      closed = true;
      base += at + 1;
      emit(chunk.subarray(0, at + 1));
      tail.push(chunk.subarray(at + 1));
    };
    end = (emit) => {
      feed(Buffer.alloc(0), emit); // the bytes that came with the head, when nothing followed them
      if (!closed) throw new AppError(ErrorCode.CLUSTER_API_ERROR, 'The API server’s list ended early');
      const after = parseFragment(Buffer.concat(tail).toString('utf8'), 'tail');
      if (after.metadata) meta = after.metadata;
    };
  }

  async function* items(): AsyncGenerator<Buffer> {
    let finished = false;
    const out: Buffer[] = [];
    const emit = (b: Buffer) => void (b.length && out.push(b));
    try {
      for await (const chunk of coalesced(res)) {
        feed(chunk, emit);
        yield* out.splice(0);
      }
      end(emit);
      yield* out.splice(0);
      finished = true;
    } finally {
      // The reader stopped early (client gone, error): release the upstream connection.
      if (!finished) close();
    }
  }

  /**
   * The relay: one listener on the upstream answer runs the cut on each chunk and hands the bytes on
   * (joined into writes of about COALESCE bytes); `write` returning false pauses the upstream until
   * `resume` is called. No promise or generator per chunk.
   */
  const pump = (sink: { write(b: Buffer): boolean; end(): void; fail(e: Error): void }) => {
    let parts: Buffer[] = [];
    let size = 0;
    let flushing: NodeJS.Immediate | undefined;
    let over = false;
    const flush = () => {
      flushing = undefined;
      if (!size || over) return;
      const b = parts.length === 1 ? parts[0] : Buffer.concat(parts, size);
      parts = [];
      size = 0;
      if (!sink.write(b)) res.pause();
    };
    const emit = (b: Buffer) => {
      if (!b.length) return;
      parts.push(b);
      size += b.length;
    };
    const fail = (e: Error) => {
      if (over) return;
      over = true;
      detach();
      close();
      sink.fail(e);
    };
    const onData = (chunk: Buffer) => {
      try {
        feed(chunk, emit);
      } catch (e) {
        return fail(e as Error);
      }
      if (size >= COALESCE) flush();
      // A slow upstream: what arrived goes out after this turn of the event loop.
      else if (size && !flushing) flushing = setImmediate(flush);
    };
    const onEnd = () => {
      if (over) return;
      try {
        end(emit);
      } catch (e) {
        return fail(e as Error);
      }
      if (flushing) clearImmediate(flushing);
      flush();
      over = true;
      detach();
      sink.end();
    };
    const onError = (e: Error) =>
      fail(new AppError(ErrorCode.CLUSTER_UNREACHABLE, `The list stream broke: ${e.message}`));
    const onClose = () =>
      fail(new AppError(ErrorCode.CLUSTER_UNREACHABLE, 'The list stream broke: the connection closed'));
    const detach = () => {
      if (flushing) clearImmediate(flushing);
      res.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
    };
    res.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
    if (res.readableEnded) onEnd();
    else if (res.destroyed) onClose();
    return { resume: () => !over && res.resume(), stop: () => fail(new Error('stopped')) };
  };

  // A paused answer that nobody reads holds its pooled connection: release it whenever the reader is
  // done with it, including before `items` ever started (a generator that never ran has no `finally`).
  const close = () => {
    if (!res.complete) res.destroy();
  };
  return {
    items: items(),
    readAll: () =>
      new Promise<Buffer>((resolve, reject) => {
        const parts: Buffer[] = [];
        const p = pump({
          write: (b) => parts.push(b) > 0,
          end: () => resolve(parts.length === 1 ? parts[0] : Buffer.concat(parts)),
          fail: reject,
        });
        p.resume();
      }),
    relay: (lead: Buffer, trailer: () => Promise<Buffer>) => {
      let p: ReturnType<typeof pump> | undefined;
      const out = new Readable({
        read: () => {
          p ??= pump({
            write: (b) => out.push(b),
            end: () =>
              trailer().then(
                (b) => {
                  out.push(b);
                  out.push(null);
                },
                (e: Error) => out.destroy(e),
              ),
            fail: (e) => out.destroy(e),
          });
          p.resume();
        },
        destroy: (err, cb) => {
          close();
          cb(err);
        },
      });
      out.push(lead);
      return out;
    },
    count: () => (full ? limit : scanner.count),
    slices: () => bounds,
    metadata: () => meta,
    close,
  };
}

/** Reads an opened list's items completely (for fan-out, which merges several lists). */
export function readItems(list: OpenList): Promise<Buffer> {
  return list.readAll();
}

/**
 * Where a list of `limit` items ends, reading as little as possible: a typed list (a metadata-only
 * page included) says its continue token before its items, so the items are never read; a list that
 * ends within `limit` is read through to count it.
 */
export async function skipTo(
  res: IncomingMessage,
  limit: number,
  timeoutMs?: number,
): Promise<{ token?: string; count: number }> {
  const list = await openList(res, limit, { timeoutMs });
  const head = list.metadata().continue;
  if (head) {
    list.close();
    return { token: head, count: limit };
  }
  try {
    await list.readAll();
  } finally {
    list.close();
  }
  const token = list.metadata().continue;
  return token ? { token, count: limit } : { count: list.count() };
}
