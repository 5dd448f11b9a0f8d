import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { AppError } from '../../common/app-error.js';
import { ErrorCode } from '../../common/error-codes.js';
import type { RegistryConnection } from '../registry-provider.js';
import { harborError, parseHarborError, parseLinkHeader } from './harbor-errors.js';
import { HarborHttpClient } from './harbor-http.client.js';
import { harborPagesFor, HarborProvider, harborVersion, toArtifact } from './harbor.provider.js';
import {
  HARBOR_ADMIN,
  HARBOR_PASSWORD,
  startHarborSimulator,
} from '../../../test/simulators/harbor/simulator.js';

const ctx = { registryId: 'r-1', registryName: 'hb', credentialName: 'hb-cred' };

describe('Harbor Link header', () => {
  it('parses Harbor’s own " , "-joined prev/next entries with queries that hold commas and "="', () => {
    const h =
      '</api/v2.0/projects?page=1&page_size=10&q=name=~pg-,public=true>; rel="prev" , </api/v2.0/projects?page=3&page_size=10&q=name=~pg-,public=true>; rel="next"';
    expect(parseLinkHeader(h)).toEqual({
      prev: '/api/v2.0/projects?page=1&page_size=10&q=name=~pg-,public=true',
      next: '/api/v2.0/projects?page=3&page_size=10&q=name=~pg-,public=true',
    });
  });

  it('handles a lone next, unquoted rel, extra params and missing headers', () => {
    expect(parseLinkHeader('</a?page=2>; rel="next"')).toEqual({ next: '/a?page=2' });
    expect(parseLinkHeader('</a?page=1>;rel=prev')).toEqual({ prev: '/a?page=1' });
    expect(parseLinkHeader('</a?page=4>; title="x"; rel="next"')).toEqual({ next: '/a?page=4' });
    expect(parseLinkHeader(undefined)).toEqual({});
    expect(parseLinkHeader('garbage')).toEqual({});
  });
});

describe('Harbor paging onto Berth pages', () => {
  it('maps a Berth slice onto Harbor pages of at most 100', () => {
    expect(harborPagesFor({ offset: 0, limit: 10 })).toEqual({ pageSize: 10, first: 1, last: 1 });
    expect(harborPagesFor({ offset: 20, limit: 10 })).toEqual({ pageSize: 10, first: 3, last: 3 });
    expect(harborPagesFor({ offset: 0, limit: 250 })).toEqual({ pageSize: 100, first: 1, last: 3 });
    expect(harborPagesFor({ offset: 250, limit: 250 })).toEqual({ pageSize: 100, first: 3, last: 5 });
  });

  it('reads Harbor’s "never" time as null and keeps tags', () => {
    const a = toArtifact({
      digest: 'sha256:ab',
      size: 5,
      push_time: '2025-01-01T00:00:00Z',
      pull_time: '0001-01-01T00:00:00.000Z',
      tags: [{ name: 'v1', immutable: true }],
    });
    expect(a).toMatchObject({
      digest: 'sha256:ab',
      size: 5,
      pulled_at: null,
      pushed_at: '2025-01-01T00:00:00Z',
      tags: [{ name: 'v1', immutable: true, pulled_at: null }],
    });
  });
});

describe('Harbor error mapping', () => {
  const body = (code: string, message: string) => JSON.stringify({ errors: [{ code, message }] });

  it('keeps 404, 409 and 412 with Harbor’s code, message and request id in details', () => {
    const e404 = harborError(ctx, 404, body('NOT_FOUND', 'project x not found'), 'req-1');
    expect(e404).toMatchObject({ code: ErrorCode.NOT_FOUND, status: 404 });
    expect(e404.message).toContain('project x not found');
    expect(e404.details).toMatchObject({
      vendor: 'harbor',
      vendor_status: 404,
      vendor_code: 'NOT_FOUND',
      vendor_request_id: 'req-1',
      registry_id: 'r-1',
    });
    expect(harborError(ctx, 409, body('CONFLICT', 'dup'), null)).toMatchObject({
      code: ErrorCode.CONFLICT,
      status: 409,
    });
    const e412 = harborError(
      ctx,
      412,
      body('PRECONDITION', 'the project contains repositories, can not be deleted'),
      'r',
    );
    expect(e412).toMatchObject({ code: ErrorCode.PRECONDITION_FAILED, status: 412 });
    expect(e412.message).toContain('contains repositories');
  });

  it('turns a refused stored credential into 502 code 50202 (as for other vendors) naming the credential, and other vendor failures into 502/503/504', () => {
    for (const status of [401, 403]) {
      const e = harborError(ctx, status, body('UNAUTHORIZED', 'unauthorized'), 'x');
      expect(e).toMatchObject({ code: ErrorCode.VENDOR_CREDENTIAL_REJECTED, status: 502 });
      expect(e.message).toContain('hb-cred');
      expect(e.details).toMatchObject({ credential_refused: true, vendor_status: status });
    }
    expect(harborError(ctx, 500, body('UNKNOWN', 'boom'), 'x')).toMatchObject({
      code: ErrorCode.VENDOR_API_ERROR,
      status: 502,
    });
    expect(harborError(ctx, 422, body('UNPROCESSABLE_ENTITY', 'bad'), 'x')).toMatchObject({
      code: ErrorCode.VENDOR_API_ERROR,
      status: 502,
    });
    const e503 = harborError(ctx, 503, body('UNKNOWN', 'down'), 'x', '3');
    expect(e503).toMatchObject({
      code: ErrorCode.VENDOR_UNAVAILABLE,
      status: 503,
      headers: { 'Retry-After': '3' },
    });
    expect(harborError(ctx, 504, '', 'x')).toMatchObject({ code: ErrorCode.UPSTREAM_TIMEOUT, status: 504 });
  });

  it('survives bodies that are not Harbor’s format', () => {
    expect(parseHarborError('<html>bad gateway</html>')).toEqual({
      code: null,
      message: '<html>bad gateway</html>',
    });
    expect(parseHarborError('')).toEqual({ code: null, message: null });
    expect(harborError(ctx, 502, '', null).message).toContain('HTTP 502');
  });
});

describe('HarborHttpClient against a scripted server', () => {
  let server: Server;
  let url: string;
  const script: ((req: IncomingMessage, res: ServerResponse) => void)[] = [];
  const seen: { method: string; url: string; auth: string }[] = [];
  const conn = (): RegistryConnection => ({
    ...ctx,
    endpoint: url,
    username: 'admin',
    password: 'pw',
    insecureSkipTlsVerify: false,
  });
  // 1.5 s: a scripted answer is never late on a loaded machine, so only the hung call times out.
  const http = new HarborHttpClient(undefined, {
    timeoutMs: 1500,
    attempts: 3,
    backoffMs: 10,
    maxBackoffMs: 50,
  });

  // Each test scripts its own answers: one test's leftovers never answer the next one.
  beforeEach(() => {
    script.length = 0;
    seen.length = 0;
  });

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ method: req.method!, url: req.url!, auth: String(req.headers.authorization) });
      const next = script.shift();
      if (next) next(req, res);
      else res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    http.onModuleDestroy();
    await new Promise((r) => server.close(r));
  });

  const fail =
    (status: number, headers: Record<string, string> = {}) =>
    (_: IncomingMessage, res: ServerResponse) =>
      res
        .writeHead(status, { 'content-type': 'application/json', 'x-request-id': 'h-1', ...headers })
        .end(JSON.stringify({ errors: [{ code: 'UNKNOWN', message: `fail ${status}` }] }));

  it('retries a GET on 429 and 5xx, then succeeds; sends Basic auth', async () => {
    seen.length = 0;
    script.push(fail(429, { 'retry-after': '0' }), fail(502));
    const res = await http.call<unknown[]>(conn(), 'GET', '/projects');
    expect(res.body).toEqual([]);
    expect(seen).toHaveLength(3);
    expect(seen[0].auth).toBe('Basic ' + Buffer.from('admin:pw').toString('base64'));
    expect(seen[0].url).toBe('/api/v2.0/projects');
  });

  it('gives up after the attempts and maps the last answer', async () => {
    seen.length = 0;
    script.push(fail(500), fail(500), fail(500));
    const e = await http.call(conn(), 'GET', '/projects').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AppError);
    expect(e).toMatchObject({
      code: ErrorCode.VENDOR_API_ERROR,
      details: { vendor_code: 'UNKNOWN', vendor_request_id: 'h-1' },
    });
    expect(seen).toHaveLength(3);
  });

  it('does not repeat a POST after a 5xx (it may have happened), but does after 429', async () => {
    seen.length = 0;
    script.push(fail(500));
    await expect(http.call(conn(), 'POST', '/projects', { body: {} })).rejects.toMatchObject({ status: 502 });
    expect(seen).toHaveLength(1);
    seen.length = 0;
    script.push(fail(429, { 'retry-after': '0' }), (_req, res) => res.writeHead(201).end());
    await expect(http.call(conn(), 'POST', '/projects', { body: {} })).resolves.toMatchObject({
      status: 201,
    });
    expect(seen).toHaveLength(2);
  });

  it('times out a hung call as 504 and an unreachable endpoint as 503', async () => {
    script.push(() => undefined); // never answers
    await expect(http.call(conn(), 'GET', '/projects')).rejects.toMatchObject({
      code: ErrorCode.UPSTREAM_TIMEOUT,
      status: 504,
    });
    const dead = { ...conn(), endpoint: 'http://127.0.0.1:1' };
    await expect(http.call(dead, 'GET', '/projects')).rejects.toMatchObject({
      code: ErrorCode.VENDOR_UNAVAILABLE,
      status: 503,
    });
  });

  it('pages a 250-item Berth page through three Harbor pages, following Link until there is no next', async () => {
    seen.length = 0;
    const provider = new HarborProvider(http);
    const all = Array.from({ length: 230 }, (_, i) => ({
      project_id: i + 1,
      name: `p${String(i).padStart(3, '0')}`,
      metadata: { public: 'false' },
    }));
    for (const page of [1, 2, 3]) {
      script.push((_req, res) => {
        const link =
          page < 3
            ? `</api/v2.0/projects?page=${page + 1}&page_size=100>; rel="next"`
            : `</api/v2.0/projects?page=2&page_size=100>; rel="prev"`;
        res
          .writeHead(200, { 'content-type': 'application/json', 'x-total-count': '230', link })
          .end(JSON.stringify(all.slice((page - 1) * 100, page * 100)));
      });
    }
    const r = await provider.listProjects(conn(), { offset: 0, limit: 250 });
    expect(r.total).toBe(230);
    expect(r.items).toHaveLength(230);
    expect(r.items[229]).toMatchObject({ name: 'p229', vendor_id: '230', public: false });
    expect(seen.map((s) => new URL(s.url, url).searchParams.get('page'))).toEqual(['1', '2', '3']);
  });

  it('double-encodes repository names holding "/"', async () => {
    seen.length = 0;
    const provider = new HarborProvider(http);
    script.push((_req, res) => res.writeHead(200).end());
    await provider.deleteRepository(conn(), 'team', 'a/b');
    expect(seen[0].url).toBe('/api/v2.0/projects/team/repositories/a%252Fb');
  });
});

describe('Harbor version check (Berth needs Harbor 2.2 or newer)', () => {
  const conn = (endpoint: string, password = HARBOR_PASSWORD): RegistryConnection => ({
    ...ctx,
    endpoint,
    username: HARBOR_ADMIN,
    password,
    insecureSkipTlsVerify: false,
  });
  const provider = new HarborProvider(new HarborHttpClient(undefined, { attempts: 1, timeoutMs: 2000 }));

  it('accepts a 2.11, refuses a 2.0 with a 422 that says what is needed, and a rejected credential is 50202', async () => {
    const current = await startHarborSimulator();
    const old = await startHarborSimulator({ version: '2.0' });
    try {
      await expect(provider.checkSupported(conn(current.url))).resolves.toBe('v2.11.0-sim');
      const refused = await provider.checkSupported(conn(old.url)).catch((e: AppError) => e);
      expect(refused).toMatchObject({
        code: ErrorCode.UNPROCESSABLE,
        details: { version: 'v2.0.6-sim', min_version: '2.2' },
      });
      expect((refused as AppError).message).toMatch(/runs v2\.0\.6-sim; Berth needs Harbor 2\.2 or newer/);
      // and the 2.0 really lacks what Berth needs
      const robots = await fetch(`${old.url}/api/v2.0/robots`, {
        headers: {
          authorization: 'Basic ' + Buffer.from(`${HARBOR_ADMIN}:${HARBOR_PASSWORD}`).toString('base64'),
        },
      });
      expect(robots.status).toBe(404);
      const wrong = await provider.checkSupported(conn(current.url, 'wrong')).catch((e: AppError) => e);
      expect(wrong).toMatchObject({
        code: ErrorCode.VENDOR_CREDENTIAL_REJECTED,
        details: { vendor_status: 401 },
      });
    } finally {
      await current.close();
      await old.close();
    }
  });

  it('reads versions as Harbor reports them', () => {
    expect(harborVersion('v2.11.0-abc')).toEqual([2, 11]);
    expect(harborVersion('2.2.1')).toEqual([2, 2]);
    expect(harborVersion('dev')).toBeNull();
  });
});
