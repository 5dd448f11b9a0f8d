// Verifies signature.ts against requests the official SDK really signed (captured by a bare HTTP server).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Cs, * as $cs from '@alicloud/cs20151215';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import { acsEncode, verifyAcs3, type SignedRequest } from './signature.js';

const AK = 'LTAI5tTESTKEY';
const SECRET = 'test-secret-0123456789abcdef';

describe('ACK ACS3-HMAC-SHA256 verifier', () => {
  let server: Server;
  const captured: SignedRequest[] = [];
  let client: InstanceType<typeof Cs.default>;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const u = new URL(req.url ?? '/', 'http://x');
        captured.push({
          method: req.method!,
          path: decodeURIComponent(u.pathname),
          query: u.searchParams,
          headers: req.headers,
          rawBody: Buffer.concat(chunks),
        });
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end('{"cluster_id":"c1","task_id":"T-1","request_id":"r"}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    client = new Cs.default(
      new $OpenApiUtil.Config({
        accessKeyId: AK,
        accessKeySecret: SECRET,
        endpoint: `127.0.0.1:${port}`,
        protocol: 'HTTP',
        regionId: 'cn-hangzhou',
      }),
    );
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  const secretFor = (ak: string) => (ak === AK ? SECRET : undefined);

  it('accepts a POST with a JSON body signed by the SDK', async () => {
    await client.createCluster(
      new $cs.CreateClusterRequest({ name: 'sig test (1)', regionId: 'cn-hangzhou', vswitchIds: ['vsw-1'] }),
    );
    const req = captured.at(-1)!;
    expect(req.headers.authorization).toMatch(
      /^ACS3-HMAC-SHA256 Credential=LTAI5tTESTKEY,SignedHeaders=.*host.*,Signature=[0-9a-f]{64}$/,
    );
    expect(req.headers['x-acs-action']).toBe('CreateCluster');
    expect(verifyAcs3(req, secretFor)).toEqual({ ok: true, accessKeyId: AK });
  });

  it('accepts a DELETE whose query carries JSON-array strings (re-encoded the RFC 3986 way)', async () => {
    await client.removeNodePoolNodes(
      'c1',
      'np1',
      new $cs.RemoveNodePoolNodesRequest({ instanceIds: ['i-a', 'i-b'], drainNode: true }),
    );
    const req = captured.at(-1)!;
    expect(req.query.get('instance_ids')).toBe('["i-a","i-b"]');
    expect(verifyAcs3(req, secretFor).ok).toBe(true);
  });

  it('rejects a wrong secret, a tampered body or query, an unknown key and a replayed nonce', async () => {
    await client.createCluster(new $cs.CreateClusterRequest({ name: 'x' }));
    const req = captured.at(-1)!;
    expect(verifyAcs3(req, () => 'wrong')).toMatchObject({
      ok: false,
      status: 400,
      code: 'SignatureDoesNotMatch',
    });
    expect(verifyAcs3({ ...req, rawBody: Buffer.from('{"name":"y"}') }, secretFor)).toMatchObject({
      ok: false,
      code: 'SignatureDoesNotMatch',
    });
    expect(verifyAcs3({ ...req, query: new URLSearchParams('extra=1') }, secretFor)).toMatchObject({
      ok: false,
      code: 'SignatureDoesNotMatch',
    });
    expect(verifyAcs3(req, () => undefined)).toMatchObject({
      ok: false,
      status: 404,
      code: 'InvalidAccessKeyId.NotFound',
    });
    const noAuth: IncomingHttpHeaders = { ...req.headers, authorization: undefined };
    expect(verifyAcs3({ ...req, headers: noAuth }, secretFor)).toMatchObject({
      ok: false,
      code: 'IncompleteSignature',
    });
    const nonces = new Set<string>();
    expect(verifyAcs3(req, secretFor, nonces).ok).toBe(true);
    expect(verifyAcs3(req, secretFor, nonces)).toMatchObject({ ok: false, code: 'SignatureNonceUsed' });
  });

  it('encodes like the SDK', () => {
    expect(acsEncode("a b!'()*~")).toBe('a%20b%21%27%28%29%2A~');
  });
});
