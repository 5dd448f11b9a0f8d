import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as wsModule from 'ws';
import { followersFor, SpdyFollower, WsFollower, wsCloseFrame } from './session-frames.js';

// The `ws` library's own framing, which its type declarations do not list.
const { Sender, Receiver } = wsModule as unknown as {
  Sender: { frame(data: Buffer, options: Record<string, unknown>): Buffer[] };
  Receiver: new (options: { isServer: boolean }) => EventEmitter & { write(b: Buffer): void };
};

/** One WebSocket frame as the `ws` library writes it (masked: as a client sends it). */
const ws = (opcode: number, data: Buffer, mask: boolean, fin = true) =>
  Buffer.concat(Sender.frame(Buffer.from(data), { fin, opcode, mask, readOnly: false, rsv1: false }));

/** One SPDY/3.1 frame: control (type) or data (stream id), with a payload. */
const spdy = (control: { type: number } | { stream: number }, payload: Buffer) => {
  const h = Buffer.alloc(8);
  if ('type' in control) {
    h.writeUInt16BE(0x8003, 0); // control bit + version 3
    h.writeUInt16BE(control.type, 2);
  } else h.writeUInt32BE(control.stream, 0);
  h.writeUIntBE(payload.length, 5, 3);
  return Buffer.concat([h, payload]);
};

/** Feeds `bytes` in pieces of `size` (1 = byte by byte), recording after which bytes a frame ended. */
function feed(f: { push(b: Buffer): number; atBoundary: boolean }, bytes: Buffer, size: number) {
  const boundaries: number[] = [];
  for (let i = 0; i < bytes.length; i += size) {
    const piece = bytes.subarray(i, i + size);
    for (let k = 0; k < piece.length; k++) {
      f.push(piece.subarray(k, k + 1));
      if (f.atBoundary) boundaries.push(i + k + 1);
    }
  }
  return boundaries;
}

describe('WsFollower', () => {
  const payloads = [0, 1, 125, 126, 300, 65_535, 70_000].map((n) => randomBytes(n));

  it.each([false, true])('finds every frame boundary and counts data, not pings (masked: %s)', (masked) => {
    const frames = [
      ...payloads.map((p) => ws(2, p, masked)),
      ws(9, Buffer.from('ping'), masked),
      ws(10, Buffer.from('pong'), masked),
    ];
    const stream = Buffer.concat(frames);
    const ends: number[] = [];
    let at = 0;
    for (const f of frames) ends.push((at += f.length));
    const f = new WsFollower();
    // A zero-length frame's header is also a boundary right after it; byte by byte sees every one.
    expect(feed(f, stream, 1)).toEqual(ends);
    // Each data frame once, plus its payload bytes; the ping and pong count nothing.
    expect(f.activity).toBe(payloads.length + payloads.reduce((n, p) => n + p.length, 0));
    const pings = new WsFollower();
    pings.push(Buffer.concat([ws(9, Buffer.from('x'), masked), ws(10, Buffer.alloc(0), masked)]));
    expect(pings.activity).toBe(0);
    expect(pings.atBoundary).toBe(true);
  });

  it('stops right after the frame that ends in a chunk when asked to', () => {
    const a = ws(2, randomBytes(1000), false);
    const b = ws(2, randomBytes(10), false);
    const f = new WsFollower();
    expect(f.push(a.subarray(0, 500))).toBe(500);
    expect(f.atBoundary).toBe(false);
    const rest = Buffer.concat([a.subarray(500), b]);
    expect(f.push(rest, true)).toBe(a.length - 500);
    expect(f.atBoundary).toBe(true);
  });

  it('hands the unmasked payload of data frames on (the port-forward tunnel)', () => {
    const got: Buffer[] = [];
    const f = new WsFollower((d) => got.push(d));
    const data = randomBytes(5000);
    const stream = Buffer.concat([ws(2, data, true), ws(9, Buffer.from('ping'), true)]);
    feed(f, stream, 7);
    expect(Buffer.concat(got).equals(data)).toBe(true);
  });
});

describe('SpdyFollower', () => {
  it('counts data and stream frames, not PING or WINDOW_UPDATE, and finds boundaries', () => {
    const frames = [
      spdy({ type: 6 }, Buffer.alloc(4)), // PING
      spdy({ type: 9 }, Buffer.alloc(8)), // WINDOW_UPDATE
      spdy({ type: 1 }, randomBytes(40)), // SYN_STREAM
      spdy({ stream: 1 }, randomBytes(300)),
      spdy({ stream: 1 }, Buffer.alloc(0)),
    ];
    const f = new SpdyFollower();
    let at = 0;
    expect(feed(f, Buffer.concat(frames), 3)).toEqual(frames.map((fr) => (at += fr.length)));
    expect(f.activity).toBe(3);
  });
});

describe('followersFor (chosen from the 101 answer)', () => {
  it('WebSocket channels count data frames; SPDY counts SPDY frames; the tunnel counts the SPDY inside', () => {
    const v5 = followersFor({ upgrade: 'websocket', 'sec-websocket-protocol': 'v5.channel.k8s.io' });
    expect(v5.websocket).toBe(true);
    v5.fromClient.push(ws(9, Buffer.from('hb'), true));
    expect(v5.fromClient.activity).toBe(0);
    v5.fromClient.push(ws(2, Buffer.from([0, 0x61]), true));
    expect(v5.fromClient.activity).toBeGreaterThan(0);

    const raw = followersFor({ upgrade: 'SPDY/3.1' });
    expect(raw.websocket).toBe(false);
    raw.toClient.push(spdy({ type: 6 }, Buffer.alloc(4)));
    expect(raw.toClient.activity).toBe(0);

    const tunnel = followersFor({
      upgrade: 'websocket',
      'sec-websocket-protocol': 'SPDY/3.1+portforward.k8s.io',
    });
    // A WebSocket data frame carrying a SPDY PING is keep-alive, not activity.
    tunnel.fromClient.push(ws(2, spdy({ type: 6 }, Buffer.alloc(4)), true));
    expect(tunnel.fromClient.activity).toBe(0);
    expect(tunnel.fromClient.atBoundary).toBe(true);
    tunnel.fromClient.push(ws(2, spdy({ stream: 3 }, Buffer.from('GET /')), true));
    expect(tunnel.fromClient.activity).toBe(1);

    const other = followersFor({ upgrade: 'h2c' });
    other.toClient.push(Buffer.from('abc'));
    expect(other.toClient.activity).toBe(3);
  });
});

describe('wsCloseFrame', () => {
  it('is a close frame a WebSocket client reads as code and reason', async () => {
    const receiver = new Receiver({ isServer: false });
    const got = new Promise<[number, string]>((r) =>
      receiver.on('conclude', (code: number, reason: Buffer) => r([code, reason.toString()])),
    );
    receiver.write(wsCloseFrame(4408, 'idle timeout 2s'));
    expect(await got).toEqual([4408, 'idle timeout 2s']);
    expect(wsCloseFrame(4409, 'x'.repeat(500)).length).toBe(2 + 2 + 123);
  });
});
