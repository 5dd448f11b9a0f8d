import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { CERT_A, KEY_A } from '../../../test/helpers/tls-fixtures.js';
import type { ClusterAccess } from './cluster-access.js';
import { OutboundPolicy } from '../../common/outbound/outbound-policy.js';
import { KubeClient } from './kube-client.js';

const policy = OutboundPolicy.unconfigured();

const b64 = (s: string) => Buffer.from(s).toString('base64');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ref = { id: '00000000-0000-4000-8000-000000000001', name: 'unit' };

/** A local HTTPS "API server": /slow answers after 150 ms, /slower after 400 ms, /stream sends a head and then holds the body. */
let server: Server;
let base: string;
const open = new Set<ServerResponse>();

beforeAll(async () => {
  server = createServer({ cert: CERT_A, key: KEY_A }, (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith('/slower')) return void setTimeout(() => res.end('{"ok":true}'), 400);
    if (req.url?.startsWith('/slow')) return void setTimeout(() => res.end('{"ok":true}'), 150);
    if (req.url?.startsWith('/whoami')) {
      const ok = req.headers.authorization === 'Bearer fresh';
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      return void res.end(
        ok ? '{"user":"fresh"}' : '{"kind":"Status","status":"Failure","reason":"Unauthorized","code":401}',
      );
    }
    if (req.url?.startsWith('/stream')) {
      open.add(res);
      res.on('close', () => open.delete(res));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"items":[');
      return;
    }
    res.end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const res of open) res.destroy();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const access = (auth: ClusterAccess['auth']): ClusterAccess => ({
  server: base,
  insecure_skip_tls_verify: true,
  auth,
});

describe('KubeClient.create', () => {
  it('refuses credential material Node would throw on, naming the field', async () => {
    await expect(
      KubeClient.create(ref, access({ type: 'token', token: 'abc\ndef' }), 1000, policy),
    ).rejects.toMatchObject({ code: 42200, details: { field: 'token' } });
    await expect(
      KubeClient.create(ref, access({ type: 'token', token: 'abc\u4e2d' }), 1000, policy),
    ).rejects.toMatchObject({ code: 42200, details: { field: 'token' } });
    await expect(
      KubeClient.create(
        ref,
        access({ type: 'client-certificate', cert_data: b64('x'), key_data: b64('y') }),
        1000,
        policy,
      ),
    ).rejects.toMatchObject({
      code: 42200,
      details: { field: 'client-certificate-data' },
    });
    await expect(
      KubeClient.create(ref, { server: 'not a url', auth: { type: 'token', token: 'x' } }, 1000, policy),
    ).rejects.toMatchObject({ code: 42200, details: { field: 'server' } });
    await expect(
      KubeClient.create(ref, { server: base } as ClusterAccess, 1000, policy),
    ).rejects.toMatchObject({ code: 42200 });
  });
});

describe('KubeClient requests', () => {
  it('a request that throws while being built rejects, and no timer fires on it later', async () => {
    const client = await KubeClient.create(ref, access({ type: 'token', token: 'good' }), 100, policy);
    try {
      // As a record sealed before today's checks would carry it.
      (client as unknown as { headers: Record<string, string> }).headers.authorization = 'Bearer a\nb';
      await expect(client.request('GET', '/version')).rejects.toMatchObject({
        code: 42200,
        message: expect.stringContaining('cannot be sent'),
      });
      await sleep(250); // past the timeout: the old client's timer threw here and ended the process
      expect(client.sockets()).toEqual({ busy: 0, free: 0, queued: 0 });
    } finally {
      client.close();
    }
  });

  it('time waiting for a free connection does not count against the timeout', async () => {
    // 64 calls open the 64 connections (their TLS handshakes cost CPU on a loaded machine, which is not
    // what this test is about); 384 more queue behind them at once, 400 ms each: waves 4–6 of the queued
    // calls wait 1.2–2 s for a connection, the timeout is 1.5 s, so the old clock (started before the
    // queue) fails them. Every queued call must succeed.
    const client = await KubeClient.create(ref, access({ type: 'token', token: 'good' }), 1500, policy);
    try {
      const opening = Array.from({ length: 64 }, () => client.request('GET', '/slower'));
      const queued = Array.from({ length: 384 }, () => client.request('GET', '/slower'));
      await Promise.allSettled(opening);
      const results = await Promise.allSettled(queued);
      const failed = results.filter((r) => r.status === 'rejected');
      expect(failed.length).toBe(0);
      await sleep(20); // a socket goes back to the pool just after its answer ended
      expect(client.sockets()).toMatchObject({ busy: 0, queued: 0 });
    } finally {
      client.close();
    }
  });

  it('open streams do not hold the pooled connections: a call still answers with more streams open than the pool has sockets', async () => {
    const client = await KubeClient.create(ref, access({ type: 'token', token: 'good' }), 5000, policy);
    try {
      const streams = await Promise.all(
        Array.from({ length: 70 }, () => client.stream('/stream', { long: true })),
      );
      expect(client.sockets().busy).toBe(70);
      await expect(client.request('GET', '/slow')).resolves.toMatchObject({ status: 200 });
      expect(client.sockets().queued).toBe(0);
      for (const s of streams) s.destroy();
    } finally {
      client.close();
    }
  });

  it('a caller going away releases the call: before the head, and after it for a stream', async () => {
    const client = await KubeClient.create(ref, access({ type: 'token', token: 'good' }), 5000, policy);
    try {
      const before = new AbortController();
      const pending = client.request('GET', '/slow', { signal: before.signal });
      setTimeout(() => before.abort(), 20);
      await expect(pending).rejects.toMatchObject({ details: { aborted: true } });

      const after = new AbortController();
      const stream = await client.stream('/stream', { signal: after.signal });
      expect(client.sockets().busy).toBe(1);
      after.abort();
      await new Promise((r) => stream.once('close', r));
      await sleep(20);
      expect(client.sockets()).toMatchObject({ busy: 0, queued: 0 });
    } finally {
      client.close();
    }
  });
});

describe('KubeClient on a 401', () => {
  it('asks once for a renewed credential and sends the call again with it', async () => {
    const stale = await KubeClient.create(ref, access({ type: 'token', token: 'expired' }), 1000, policy);
    const fresh = await KubeClient.create(ref, access({ type: 'token', token: 'fresh' }), 1000, policy);
    let asked = 0;
    stale.renewWith(async () => {
      asked++;
      return fresh;
    });
    await expect(stale.json('GET', '/whoami')).resolves.toEqual({ user: 'fresh' });
    expect(asked).toBe(1);
    // without a renewal (or when none is possible) the 401 stays a 401
    stale.renewWith(async () => null);
    await expect(stale.json('GET', '/whoami')).rejects.toMatchObject({ details: { kube_status: 401 } });
    stale.close();
    fresh.close();
  });
});
