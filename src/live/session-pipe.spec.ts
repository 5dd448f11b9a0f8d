import { afterEach, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server, Socket } from 'node:net';
import WebSocket from 'ws';
import { followersFor } from './session-frames.js';
import { SessionPipe } from './session-pipe.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

const listen = async (onSocket: (s: Socket) => void): Promise<number> => {
  const server = createServer(onSocket);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
};

/** An unmasked binary frame header (as an API server sends it) announcing `len` payload bytes. */
const header = (len: number) => {
  const h = Buffer.alloc(10);
  h[0] = 0x82;
  h[1] = 127;
  h.writeBigUInt64BE(BigInt(len), 2);
  return h;
};

/**
 * A real WebSocket client (`ws`) ↔ a relay doing the handshake itself and then a SessionPipe ↔ a raw TCP
 * "API server" that `cluster` drives frame by frame.
 */
async function session(cluster: (s: Socket) => void) {
  const clusterPort = await listen(cluster);
  let pipe!: SessionPipe;
  let upstream!: Socket;
  const ready = new Promise<void>((resolveReady) => {
    void listen((client) => {
      let head = '';
      const onData = (d: Buffer) => {
        head += d.toString('latin1');
        if (!head.includes('\r\n\r\n')) return;
        client.off('data', onData);
        const key = /sec-websocket-key: (\S+)/i.exec(head)![1];
        const accept = createHash('sha1')
          .update(key + GUID)
          .digest('base64');
        client.write(
          `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
        );
        upstream = new Socket();
        upstream.connect(clusterPort, '127.0.0.1', () => {
          pipe = new SessionPipe(client, upstream, followersFor({ upgrade: 'websocket' }));
          pipe.start(Buffer.alloc(0), Buffer.alloc(0));
          resolveReady();
        });
      };
      client.on('data', onData);
    }).then((port) => {
      relayPort = port;
      connectClient();
    });
  });
  let relayPort = 0;
  const messages: Buffer[] = [];
  let closed!: Promise<{ code: number; reason: string }>;
  const connectClient = () => {
    const ws = new WebSocket(`ws://127.0.0.1:${relayPort}/`);
    ws.on('message', (d: Buffer) => messages.push(Buffer.from(d)));
    ws.on('error', () => undefined);
    closed = new Promise((r) => ws.on('close', (code, reason) => r({ code, reason: reason.toString() })));
  };
  await ready;
  return { pipe: () => pipe, upstream: () => upstream, messages, closed: () => closed };
}

describe('SessionPipe limits (real sockets)', () => {
  it('a limit reached in the middle of a frame lets the frame finish, then sends the close frame', async () => {
    const payload = randomBytes(200_000);
    let clusterSocket!: Socket;
    let clusterClosed!: Promise<void>;
    const r = await session((sock) => {
      clusterSocket = sock;
      sock.on('error', () => undefined);
      clusterClosed = new Promise((resolve) => sock.on('close', () => resolve()));
      // Half the frame now, the rest after the limit has fired.
      sock.write(Buffer.concat([header(payload.length), payload.subarray(0, 100_000)]));
      setTimeout(() => sock.write(payload.subarray(100_000)), 300);
    });
    r.pipe().limitAfter(100, 4409, 'max session length 0.1s');
    const closed = await r.closed();
    expect(closed).toEqual({ code: 4409, reason: 'max session length 0.1s' });
    expect(r.messages).toHaveLength(1);
    expect(r.messages[0].equals(payload)).toBe(true);
    await clusterClosed;
    expect(clusterSocket.destroyed).toBe(true);
    const end = await r.pipe().ended;
    expect(end).toMatchObject({ reason: 'max session length 0.1s', closeCode: 4409 });
    expect(end.bytesToClient).toBe(10 + payload.length + 4 + 'max session length 0.1s'.length);
  });

  it('a frame that never finishes: both connections are closed after the wait, without a close frame', async () => {
    const r = await session((sock) => {
      sock.on('error', () => undefined);
      sock.write(Buffer.concat([header(1000), Buffer.alloc(10)]));
    });
    const started = Date.now();
    r.pipe().idleAfter(100, 4408, 'idle timeout 0.1s');
    const closed = await r.closed();
    expect(closed.code).toBe(1006);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    const end = await r.pipe().ended;
    expect(end).toMatchObject({ reason: 'idle timeout 0.1s', closeCode: null });
  });

  it('the cluster closing first ends the client after what was sent is flushed', async () => {
    const payload = randomBytes(50_000);
    const r = await session((sock) => {
      sock.end(Buffer.concat([header(payload.length), payload]));
    });
    await r.closed();
    expect(r.messages[0]?.equals(payload)).toBe(true);
    expect((await r.pipe().ended).reason).toBe('closed by cluster');
  });
});
