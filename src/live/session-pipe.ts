import type { Duplex } from 'node:stream';
import { type FrameFollower, wsCloseFrame } from './session-frames.js';

/** How long one side may take to flush and close once the other has gone (then it is destroyed). */
const GRACE_MS = 2_000;
/** How long a limit waits for the API server to finish the frame it is sending before closing. */
const FRAME_WAIT_MS = 1_000;

export interface SessionEnd {
  /** Why it ended: `closed by client`, `closed by cluster`, `idle timeout 2s`, `max session length 60s`… */
  reason: string;
  /** The WebSocket close code Berth sent the client (a session limit), else null. */
  closeCode: number | null;
  bytesFromClient: number;
  bytesToClient: number;
}

/**
 * The two sockets of an upgraded pod session, relayed byte for byte with backpressure, while the frame
 * followers watch the framing. A session limit ends the session at a frame boundary: a WebSocket client
 * gets a close frame (code and reason), an SPDY client has its connection closed; the upstream connection
 * is closed in both cases. When either side goes, the other is ended (its pending bytes flushed) and
 * destroyed after a grace period.
 */
export class SessionPipe {
  readonly ended: Promise<SessionEnd>;
  private resolve!: (end: SessionEnd) => void;
  private fromClient: number;
  private toClient: number;
  private reason: string | null = null;
  private closeCode: number | null = null;
  /** A limit fired; the close frame waits for the frame the API server is sending to end. */
  private closing: { code: number; reason: string } | null = null;
  private lastActive = Date.now();
  private activity = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private open = 2;
  private readonly released = new Set<Duplex>();

  constructor(
    private readonly client: Duplex,
    private readonly upstream: Duplex,
    private readonly frames: { fromClient: FrameFollower; toClient: FrameFollower; websocket: boolean },
    /** Bytes already exchanged (the handshake's early data). */
    sentByClient = 0,
    sentToClient = 0,
  ) {
    this.fromClient = sentByClient;
    this.toClient = sentToClient;
    this.ended = new Promise((r) => (this.resolve = r));
  }

  /** Starts relaying; `upHead` / `clientHead` are the bytes each side sent right behind the handshake. */
  start(upHead: Buffer, clientHead: Buffer): void {
    const { client, upstream } = this;
    client.on('data', (d: Buffer) => this.fromClientData(d));
    upstream.on('data', (d: Buffer) => this.fromUpstreamData(d));
    client.on('end', () => this.release(upstream, 'closed by client', false));
    upstream.on('end', () => this.release(client, 'closed by cluster', false));
    client.on('error', () => (this.reason ??= 'client connection error'));
    upstream.on('error', () => (this.reason ??= 'cluster connection error'));
    client.once('close', () => this.closed(upstream, 'closed by client'));
    upstream.once('close', () => this.closed(client, 'closed by cluster'));
    // The handshake's early data is counted already; it still goes through the followers.
    if (upHead.length) this.relay(this.frames.toClient, upHead, client, upstream);
    if (clientHead.length) this.relay(this.frames.fromClient, clientHead, upstream, client);
  }

  /** Ends the session after `ms` whatever happens in it. */
  limitAfter(ms: number, code: number, reason: string): void {
    this.timer(() => this.limit(code, reason), ms);
  }

  /** Ends the session once no data frame went either way for `ms` (keep-alive frames do not count). */
  idleAfter(ms: number, code: number, reason: string): void {
    const check = () => {
      const quiet = Date.now() - this.lastActive;
      if (quiet >= ms) this.limit(code, reason);
      else this.timer(check, ms - quiet);
    };
    this.timer(check, ms);
  }

  private timer(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private touch(): void {
    const now = this.frames.fromClient.activity + this.frames.toClient.activity;
    if (now !== this.activity) {
      this.activity = now;
      this.lastActive = Date.now();
    }
  }

  private fromClientData(d: Buffer): void {
    this.fromClient += d.length;
    // Once a limit fired, what the client sends is dropped (the upstream is going away).
    if (this.closing || this.reason) return;
    this.relay(this.frames.fromClient, d, this.upstream, this.client);
  }

  private fromUpstreamData(d: Buffer): void {
    if (!this.closing) {
      this.toClient += d.length;
      this.relay(this.frames.toClient, d, this.client, this.upstream);
      return;
    }
    // Finishing the frame in flight, then the close frame.
    const n = this.frames.toClient.push(d, true);
    this.write(this.client, d.subarray(0, n), this.upstream);
    this.toClient += n;
    if (this.frames.toClient.atBoundary) this.sendClose();
  }

  private relay(follower: FrameFollower, d: Buffer, to: Duplex, from: Duplex): void {
    follower.push(d);
    this.touch();
    this.write(to, d, from);
  }

  /** Writes with backpressure: a full destination pauses the source until it drains. */
  private write(to: Duplex, d: Buffer, from: Duplex): void {
    if (!d.length || to.destroyed || to.writableEnded) return;
    if (!to.write(d) && !from.isPaused()) {
      from.pause();
      to.once('drain', () => from.resume());
    }
  }

  /** A session limit: a WebSocket gets its close frame at the next frame boundary; SPDY is closed. */
  private limit(code: number, reason: string): void {
    if (this.reason || this.closing) return;
    this.clearTimers();
    if (!this.frames.websocket) {
      this.reason = reason;
      this.client.destroy();
      this.upstream.destroy();
      return;
    }
    this.closing = { code, reason };
    if (this.frames.toClient.atBoundary) return this.sendClose();
    // The API server is in the middle of a frame: let it finish (bounded), then close.
    this.upstream.resume();
    this.timer(() => {
      this.reason = reason;
      this.client.destroy();
      this.upstream.destroy();
    }, FRAME_WAIT_MS);
  }

  private sendClose(): void {
    const c = this.closing!;
    this.clearTimers();
    this.reason = c.reason;
    this.closeCode = c.code;
    const frame = wsCloseFrame(c.code, c.reason);
    if (!this.client.destroyed && !this.client.writableEnded) {
      this.client.write(frame);
      this.toClient += frame.length;
    }
    this.upstream.destroy();
    // The client answers with its own close frame (dropped) and closes; it is given a moment to.
    this.client.resume();
    this.release(this.client, c.reason, true);
  }

  /** Ends `s` (its pending bytes flushed) and destroys it if it has not closed after the grace period. */
  private release(s: Duplex, why: string, byLimit: boolean): void {
    if (!byLimit) this.reason ??= why;
    if (s.destroyed || this.released.has(s)) return;
    this.released.add(s);
    if (!s.writableEnded) s.end();
    const t = setTimeout(() => s.destroy(), GRACE_MS);
    t.unref();
    s.once('close', () => clearTimeout(t));
  }

  private closed(other: Duplex, why: string): void {
    this.reason ??= why;
    this.release(other, why, false);
    if (--this.open > 0) return;
    this.clearTimers();
    this.resolve({
      reason: this.reason,
      closeCode: this.closeCode,
      bytesFromClient: this.fromClient,
      bytesToClient: this.toClient,
    });
  }

  private clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
