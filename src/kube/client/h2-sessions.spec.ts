import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { IncomingMessage } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createSecureServer, type Http2SecureServer, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { CERT_A, KEY_A } from '../../../test/helpers/tls-fixtures.js';
import { OutboundPolicy } from '../../common/outbound/outbound-policy.js';
import { KubeClient } from './kube-client.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ref = { id: '00000000-0000-4000-8000-000000000002', name: 'h2' };
const policy = OutboundPolicy.unconfigured();

/**
 * A local HTTP/2 "API server" taking at most 3 streams per connection: /stream sends a head and holds the
 * body, /short answers and ends, /missing is a Kubernetes 404, /hang never answers.
 */
let h2: Http2SecureServer;
let h2Base: string;
let sessions = 0;
const open = new Set<ServerHttp2Stream>();
let closedStreams = 0;
/** An HTTPS server that speaks HTTP/1.1 only (a proxy in front of a cluster, say). */
let h1: HttpsServer;
let h1Base: string;

beforeAll(async () => {
  h2 = createSecureServer({ cert: CERT_A, key: KEY_A, settings: { maxConcurrentStreams: 3 } });
  h2.on('session', () => sessions++);
  h2.on('stream', (stream, headers) => {
    const path = String(headers[':path']);
    stream.on('error', () => undefined);
    if (path.startsWith('/stream')) {
      open.add(stream);
      stream.on('close', () => {
        open.delete(stream);
        closedStreams++;
      });
      stream.respond({ ':status': 200, 'content-type': 'application/json' });
      stream.write(`{"auth":"${String(headers.authorization)}"}\n`);
      return;
    }
    if (path.startsWith('/short')) {
      stream.respond({ ':status': 200 });
      return void stream.end('done\n');
    }
    if (path.startsWith('/missing')) {
      stream.respond({ ':status': 404, 'content-type': 'application/json' });
      return void stream.end(
        '{"kind":"Status","status":"Failure","message":"pods \\"x\\" not found","reason":"NotFound","code":404}',
      );
    }
    // /hang: never answers
  });
  await new Promise<void>((r) => h2.listen(0, '127.0.0.1', r));
  h2Base = `https://127.0.0.1:${(h2.address() as AddressInfo).port}`;
  h1 = createHttpsServer({ cert: CERT_A, key: KEY_A }, (_req, res) => {
    res.writeHead(200);
    res.write('h1\n');
  });
  await new Promise<void>((r) => h1.listen(0, '127.0.0.1', r));
  h1Base = `https://127.0.0.1:${(h1.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const s of open) s.destroy();
  h1.closeAllConnections();
  await new Promise((r) => h1.close(r));
  await new Promise((r) => h2.close(r));
});

const client = (server: string, timeoutMs = 2000, p = policy) =>
  KubeClient.create(
    ref,
    { server, insecure_skip_tls_verify: true, auth: { type: 'token', token: 'h2-token' } },
    timeoutMs,
    p,
  );

const firstLine = (s: NodeJS.ReadableStream) =>
  new Promise<string>((resolve) => {
    let text = '';
    s.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.includes('\n')) resolve(text.split('\n')[0]);
    });
  });

describe('KubeClient.longStream over HTTP/2 (H2Sessions)', () => {
  it('streams share connections up to the server’s stream limit, carry the credential, and reset when destroyed', async () => {
    const c = await client(h2Base);
    try {
      const before = sessions;
      const streams = await Promise.all(Array.from({ length: 7 }, () => c.longStream('/stream')));
      expect(streams.every((s) => s.statusCode === 200)).toBe(true);
      expect(await firstLine(streams[0])).toBe('{"auth":"Bearer h2-token"}');
      // 3 per connection (the server's SETTINGS_MAX_CONCURRENT_STREAMS): 3 connections for 7 streams.
      expect(sessions - before).toBe(3);
      expect(c.h2Connections).toBe(3);
      expect(c.sockets().busy).toBe(7);
      expect(open.size).toBe(7);
      const closedBefore = closedStreams;
      for (const s of streams) s.destroy();
      for (let i = 0; i < 50 && closedStreams - closedBefore < 7; i++) await sleep(20);
      // The server saw every stream end (RST_STREAM), the connections stay for the next streams.
      expect(closedStreams - closedBefore).toBe(7);
      expect(c.sockets().busy).toBe(0);
      const again = await c.longStream('/stream');
      expect(sessions - before).toBe(3);
      again.destroy();
    } finally {
      c.close();
    }
  });

  it('an answer that ends is complete; a Kubernetes error answer is thrown as AppError', async () => {
    const c = await client(h2Base);
    try {
      const short = await c.longStream('/short');
      await new Promise((r) => short.on('data', () => undefined).once('end', r));
      expect(short.complete).toBe(true);
      await expect(c.longStream('/missing')).rejects.toMatchObject({
        status: 404,
        message: expect.stringContaining('pods "x" not found'),
        details: { kube_status: 404, kube_reason: 'NotFound' },
      });
    } finally {
      c.close();
    }
  });

  it('a server that does not answer within the deadline, and a caller who goes away, release the stream', async () => {
    const c = await client(h2Base, 300);
    try {
      const started = Date.now();
      await expect(c.longStream('/hang')).rejects.toMatchObject({ code: 50400 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      const gone = new AbortController();
      const pending = c.longStream('/hang', { signal: gone.signal, timeoutMs: 5000 });
      setTimeout(() => gone.abort(), 50);
      await expect(pending).rejects.toMatchObject({ details: { aborted: true } });
      const later = new AbortController();
      const s = await c.longStream('/stream', { signal: later.signal });
      later.abort();
      await new Promise((r) => s.once('close', r));
      await sleep(20);
      expect(c.sockets().busy).toBe(0);
    } finally {
      c.close();
    }
  });

  it('a server without HTTP/2 (ALPN http/1.1) gets the stream over HTTP/1.1', async () => {
    const c = await client(h1Base);
    try {
      const s = await c.longStream('/anything');
      expect(s).toBeInstanceOf(IncomingMessage);
      expect(await firstLine(s)).toBe('h1');
      expect(c.h2Connections).toBe(0);
      s.destroy();
    } finally {
      c.close();
    }
  });

  it('the outbound policy applies to its connections', async () => {
    const strict = new OutboundPolicy({ allow_loopback: false, allow: [], deny: [] });
    const c = await client(h2Base, 2000, strict);
    try {
      const before = sessions;
      await expect(c.longStream('/stream')).rejects.toMatchObject({ code: 50301 });
      expect(sessions).toBe(before);
      expect(c.h2Connections).toBe(0);
    } finally {
      c.close();
    }
  });
});
