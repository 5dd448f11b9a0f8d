import type { ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';

/** Why a stream ended, as its final `error` event says (`data.reason`). */
export type CloseReason =
  | 'overflow'
  | 'token_expired'
  | 'token_revoked'
  | 'forbidden'
  | 'not_found'
  | 'server_shutdown'
  | 'upstream_error'
  | 'auth_unavailable'
  | 'ended';

/**
 * One Server-Sent Events answer: frames (`event:`, `id:`, `data:`) written into a PassThrough that Fastify
 * relays to the client. The bytes held for the client (this stream's buffers plus the response's) are
 * bounded: past `maxBuffered` the stream is dropped with a final `error` event (reason `overflow`) and the
 * connection is destroyed if the client has not read that within a grace period. Nothing buffers without limit.
 */
export class SseStream {
  readonly body = new PassThrough({ highWaterMark: 64 * 1024 });
  private res?: ServerResponse;
  private ended = false;
  private readonly onClose: (() => void)[] = [];

  constructor(
    private readonly maxBuffered: number,
    /** Told why Berth closed the stream (not when the client left). */
    private readonly onClosed: (reason: CloseReason) => void = () => undefined,
    private readonly graceMs = 5_000,
  ) {
    this.body.once('close', () => this.finish());
  }

  /** The raw response the body is piped into (its buffered bytes count too). */
  attach(res: ServerResponse): void {
    this.res = res;
    res.once('close', () => this.finish());
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Runs once when the stream ends for any reason (client gone, closed by Berth, overflow). */
  closing(fn: () => void): void {
    if (this.ended) fn();
    else this.onClose.push(fn);
  }

  /** Bytes written but not yet taken by the client's socket. */
  buffered(): number {
    return this.body.readableLength + this.body.writableLength + (this.res?.writableLength ?? 0);
  }

  /** Sends one event; false when the stream is closed (or was just dropped for overflow). */
  send(event: string, data: unknown, id?: string): boolean {
    if (this.ended) return false;
    let frame = `event: ${event}\n`;
    if (id !== undefined) frame += `id: ${id.replace(/[\r\n\0]/g, '')}\n`;
    frame += `data: ${JSON.stringify(data)}\n\n`;
    // One event always fits an empty buffer (an object is at most ~1.5 MB, etcd's limit): the bound is
    // max_buffer_bytes plus one event.
    const held = this.buffered();
    if (held > 0 && held + frame.length > this.maxBuffered) {
      this.close(
        'overflow',
        `The client reads too slowly: more than ${this.maxBuffered} bytes were waiting for it`,
      );
      return false;
    }
    this.body.write(frame);
    return true;
  }

  /** An SSE comment (heartbeat): ignored by clients, keeps proxies from closing an idle connection. */
  comment(text: string): void {
    if (this.ended) return;
    // A heartbeat never counts towards overflow on its own, but is skipped while the client is behind.
    if (this.buffered() > this.maxBuffered / 2) return;
    this.body.write(`: ${text.replace(/[\r\n]/g, ' ')}\n\n`);
  }

  /** The `retry:` field: how long an EventSource waits before reconnecting. */
  retry(ms: number): void {
    if (!this.ended) this.body.write(`retry: ${ms}\n\n`);
  }

  /**
   * Ends the stream with a final `error` event saying why (reason `ended`: a normal end, no error event).
   * A client that does not take the rest within the grace period loses its connection.
   */
  close(reason: CloseReason, message: string, extra: Record<string, unknown> = {}): void {
    if (this.ended) return;
    this.onClosed(reason);
    if (reason !== 'ended')
      this.body.write(
        `event: error\ndata: ${JSON.stringify({ type: 'error', reason, message, ...extra })}\n\n`,
      );
    this.finish();
    this.body.end();
    const res = this.res;
    if (res && !res.destroyed) {
      const timer = setTimeout(() => res.destroy(), this.graceMs);
      timer.unref();
      res.once('close', () => clearTimeout(timer));
    }
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    for (const fn of this.onClose.splice(0)) {
      try {
        fn();
      } catch {
        /* teardown must run to the end */
      }
    }
  }
}
