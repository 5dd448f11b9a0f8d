/**
 * Frame followers for relayed pod sessions: they read the frame headers of a WebSocket (RFC 6455 §5.2) or
 * SPDY/3.1 byte stream as it passes, without buffering it, so the relay knows
 * - whether the session is active: data frames count, keep-alive frames do not (kubectl's WebSocket
 *   executor pings every 5 s and its port-forward tunnel sends SPDY PINGs every 10 s, so counting bytes
 *   would never let an abandoned session go idle);
 * - where a frame ends, so a close frame Berth writes never lands inside a frame of the API server's.
 */

/** WebSocket close codes Berth sends when a session limit ends a session (the private range 4000–4999). */
export const CLOSE_IDLE_TIMEOUT = 4408;
export const CLOSE_MAX_SESSION = 4409;

/** A WebSocket close frame from the server (unmasked): code and reason (at most 123 bytes of UTF-8). */
export function wsCloseFrame(code: number, reason: string): Buffer {
  let text = Buffer.from(reason, 'utf8');
  if (text.length > 123) text = text.subarray(0, 123);
  const frame = Buffer.alloc(4 + text.length);
  frame[0] = 0x88; // FIN + opcode 8 (close)
  frame[1] = 2 + text.length;
  frame.writeUInt16BE(code, 2);
  text.copy(frame, 4);
  return frame;
}

/** Something that follows one direction of a session. */
export interface FrameFollower {
  /** Grows with every frame (or byte) that counts as activity. */
  readonly activity: number;
  /** Whether the stream is between two frames. */
  readonly atBoundary: boolean;
  /** Follows `chunk`; with `toBoundary`, stops just after the first frame that ends in it. Returns the bytes taken. */
  push(chunk: Buffer, toBoundary?: boolean): number;
}

/** Any byte is activity; every byte is a boundary (an upgrade whose framing Berth does not know). */
export class ByteFollower implements FrameFollower {
  activity = 0;
  readonly atBoundary = true;
  push(chunk: Buffer): number {
    this.activity += chunk.length;
    return chunk.length;
  }
}

/**
 * WebSocket frames: text, binary and continuation frames (and their payload bytes) are activity; ping, pong
 * and close are not. `payload` receives the unmasked payload of data frames (the SPDY stream of kubectl's
 * port-forward tunnel, `SPDY/3.1+portforward.k8s.io`).
 */
export class WsFollower implements FrameFollower {
  activity = 0;
  private readonly header = Buffer.alloc(14);
  private have = 0;
  private remaining = 0;
  private opcode = 0;
  private readonly mask = Buffer.alloc(4);
  private masked = false;
  private maskAt = 0;

  constructor(private readonly payload?: (data: Buffer) => void) {}

  get atBoundary(): boolean {
    return this.have === 0 && this.remaining === 0;
  }

  private get isData(): boolean {
    return this.opcode <= 2;
  }

  push(chunk: Buffer, toBoundary = false): number {
    let i = 0;
    while (i < chunk.length) {
      if (this.remaining === 0) {
        // In a header: 2 bytes, then the extended length (2 or 8) and the masking key (4) they announce.
        this.header[this.have++] = chunk[i++];
        if (this.have < 2) continue;
        const len7 = this.header[1] & 0x7f;
        const need = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (this.header[1] & 0x80 ? 4 : 0);
        if (this.have < need) continue;
        this.opcode = this.header[0] & 0x0f;
        this.masked = (this.header[1] & 0x80) !== 0;
        const at = len7 === 126 ? 4 : len7 === 127 ? 10 : 2;
        this.remaining =
          len7 === 126
            ? this.header.readUInt16BE(2)
            : len7 === 127
              ? Number(this.header.readBigUInt64BE(2))
              : len7;
        if (this.masked) this.header.copy(this.mask, 0, at, at + 4);
        this.maskAt = 0;
        this.have = 0;
        if (this.isData) this.activity++;
        if (this.remaining === 0 && toBoundary) return i;
        continue;
      }
      const n = Math.min(this.remaining, chunk.length - i);
      if (this.isData) {
        this.activity += n;
        if (this.payload) {
          const part = Buffer.from(chunk.subarray(i, i + n));
          if (this.masked) for (let k = 0; k < n; k++) part[k] ^= this.mask[(this.maskAt + k) & 3];
          this.payload(part);
        }
      }
      this.maskAt += n;
      this.remaining -= n;
      i += n;
      if (this.remaining === 0 && toBoundary) return i;
    }
    return i;
  }
}

/** SPDY control frame types that are keep-alive, not activity. */
const SPDY_PING = 6;
const SPDY_WINDOW_UPDATE = 9;

/**
 * SPDY/3.1 frames (8-byte header, 24-bit length): data frames and control frames other than PING and
 * WINDOW_UPDATE are activity.
 */
export class SpdyFollower implements FrameFollower {
  activity = 0;
  private readonly header = Buffer.alloc(8);
  private have = 0;
  private remaining = 0;

  get atBoundary(): boolean {
    return this.have === 0 && this.remaining === 0;
  }

  push(chunk: Buffer, toBoundary = false): number {
    let i = 0;
    while (i < chunk.length) {
      if (this.remaining === 0) {
        this.header[this.have++] = chunk[i++];
        if (this.have < 8) continue;
        this.have = 0;
        const control = (this.header[0] & 0x80) !== 0;
        const type = this.header.readUInt16BE(2);
        if (!control || (type !== SPDY_PING && type !== SPDY_WINDOW_UPDATE)) this.activity++;
        this.remaining = this.header.readUIntBE(5, 3);
        if (this.remaining === 0 && toBoundary) return i;
        continue;
      }
      const n = Math.min(this.remaining, chunk.length - i);
      this.remaining -= n;
      i += n;
      if (this.remaining === 0 && toBoundary) return i;
    }
    return i;
  }
}

/** The two directions of a session, chosen from the API server's 101 answer. */
export function followersFor(headers: Record<string, string | string[] | undefined>): {
  fromClient: FrameFollower;
  toClient: FrameFollower;
  websocket: boolean;
} {
  const upgrade = String(headers.upgrade ?? '').toLowerCase();
  if (upgrade === 'websocket') {
    const protocol = String(headers['sec-websocket-protocol'] ?? '').toLowerCase();
    if (protocol.startsWith('spdy/3.1+')) {
      // kubectl's port-forward tunnel: SPDY inside the WebSocket's binary frames.
      const fromClient = new SpdyFollower();
      const toClient = new SpdyFollower();
      return {
        fromClient: tunneled(new WsFollower((d) => fromClient.push(d)), fromClient),
        toClient: tunneled(new WsFollower((d) => toClient.push(d)), toClient),
        websocket: true,
      };
    }
    return { fromClient: new WsFollower(), toClient: new WsFollower(), websocket: true };
  }
  if (upgrade.startsWith('spdy/'))
    return { fromClient: new SpdyFollower(), toClient: new SpdyFollower(), websocket: false };
  return { fromClient: new ByteFollower(), toClient: new ByteFollower(), websocket: false };
}

/** WebSocket boundaries, SPDY activity. */
function tunneled(ws: WsFollower, spdy: SpdyFollower): FrameFollower {
  return {
    get activity() {
      return spdy.activity;
    },
    get atBoundary() {
      return ws.atBoundary;
    },
    push: (chunk, toBoundary) => ws.push(chunk, toBoundary),
  };
}
