// Verifies signature.ts against requests the official SDK really signed (captured by a bare HTTP server).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tke } from 'tencentcloud-sdk-nodejs-tke';
import { verifyTc3, type SignedRequest } from './signature.js';

const ID = 'AKIDtestid';
const KEY = 'test-key-0123456789';

describe('TKE TC3-HMAC-SHA256 verifier', () => {
  let server: Server;
  let client: InstanceType<typeof tke.v20180525.Client>;
  const captured: SignedRequest[] = [];

  beforeAll(async () => {
    delete process.env.http_proxy;
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const u = new URL(req.url ?? '/', 'http://x');
        captured.push({
          method: req.method!,
          path: u.pathname,
          rawQuery: u.search.slice(1),
          headers: req.headers,
          rawBody: Buffer.concat(chunks),
        });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"Response":{"RequestId":"r"}}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    client = new tke.v20180525.Client({
      credential: { secretId: ID, secretKey: KEY },
      region: 'ap-guangzhou',
      profile: { httpProfile: { endpoint: `127.0.0.1:${port}`, protocol: 'http://' } },
    });
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  const keyFor = (id: string) => (id === ID ? KEY : undefined);

  it('accepts a request signed by the SDK (service "127" derived from the IP endpoint)', async () => {
    await client.DescribeClusters({
      ClusterIds: ['cls-1'],
      Limit: 10,
      Filters: [{ Name: 'ClusterName', Values: ['ü name'] }],
    });
    const req = captured.at(-1)!;
    expect(req.headers['x-tc-action']).toBe('DescribeClusters');
    expect(req.headers.authorization).toMatch(
      /^TC3-HMAC-SHA256 Credential=AKIDtestid\/\d{4}-\d{2}-\d{2}\/127\/tc3_request, SignedHeaders=content-type;host, Signature=[0-9a-f]{64}$/,
    );
    expect(verifyTc3(req, keyFor)).toEqual({ ok: true, secretId: ID, service: '127' });
  });

  it('rejects a wrong key, a tampered body, an unknown id and a stale timestamp', async () => {
    await client.DescribeClusterStatus({ ClusterIds: ['cls-1'] });
    const req = captured.at(-1)!;
    expect(verifyTc3(req, () => 'wrong')).toMatchObject({ ok: false, code: 'AuthFailure.SignatureFailure' });
    expect(verifyTc3({ ...req, rawBody: Buffer.from('{"ClusterIds":["cls-2"]}') }, keyFor)).toMatchObject({
      ok: false,
      code: 'AuthFailure.SignatureFailure',
    });
    expect(verifyTc3(req, () => undefined)).toMatchObject({
      ok: false,
      code: 'AuthFailure.SecretIdNotFound',
    });
    const ts = Number(req.headers['x-tc-timestamp']);
    expect(verifyTc3(req, keyFor, ts + 301)).toMatchObject({
      ok: false,
      code: 'AuthFailure.SignatureExpire',
    });
    expect(verifyTc3(req, keyFor, ts + 299).ok).toBe(true);
    expect(
      verifyTc3({ ...req, headers: { ...req.headers, authorization: 'garbage' } }, keyFor),
    ).toMatchObject({ ok: false, code: 'AuthFailure.InvalidAuthorization' });
  });
});
