// Drives the Harbor simulator with plain fetch, the way Berth's Harbor adapter talks to Harbor v2.0.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { startHarborSimulator, type HarborSimulator } from './simulator.js';

let sim: HarborSimulator;
let api: string;
let auth: string;

interface Call {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Call> {
  const res = await fetch(api + path, {
    method,
    headers: {
      authorization: auth,
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

const errCode = (c: Call) => (c.body as { errors: { code: string; message: string }[] }).errors[0].code;

beforeAll(async () => {
  sim = await startHarborSimulator({ targets: [] });
  api = `${String(sim.credential.settings.endpoint)}/api/v2.0`;
  auth =
    'Basic ' +
    Buffer.from(`${String(sim.credential.settings.username)}:${sim.credential.secrets.password}`).toString(
      'base64',
    );
});

afterAll(async () => {
  await sim.close();
});

describe('Harbor simulator: auth, system endpoints, request ids', () => {
  it('rejects wrong credentials with 401 UNAUTHORIZED in the errors envelope', async () => {
    const wrong = await call('GET', '/projects', undefined, {
      authorization: 'Basic ' + Buffer.from('admin:nope').toString('base64'),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ errors: [{ code: 'UNAUTHORIZED', message: expect.any(String) }] });
    const none = await call('GET', '/projects', undefined, { authorization: '' });
    expect(none.status).toBe(401);
  });

  it('echoes X-Request-Id, or generates one', async () => {
    const echoed = await call('GET', '/projects', undefined, { 'x-request-id': 'req-123' });
    expect(echoed.headers.get('x-request-id')).toBe('req-123');
    const generated = await call('GET', '/projects/does-not-exist');
    expect(generated.status).toBe(404);
    expect(errCode(generated)).toBe('NOT_FOUND');
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers ping, health and systeminfo', async () => {
    const ping = await call('GET', '/ping', undefined, { authorization: '' });
    expect(ping.status).toBe(200);
    expect(ping.text).toBe('Pong');
    const health = await call('GET', '/health');
    expect(health.body).toMatchObject({ status: 'healthy' });
    expect((health.body as { components: { name: string }[] }).components.map((c) => c.name)).toContain(
      'registry',
    );
    sim.setComponentHealth('registry', 'unhealthy');
    const sick = await call('GET', '/health');
    expect(sick.body).toMatchObject({ status: 'unhealthy' });
    sim.setComponentHealth('registry', 'healthy');
    const info = await call('GET', '/systeminfo');
    expect((info.body as { harbor_version: string }).harbor_version).toMatch(/^v2\./);
  });
});

describe('Harbor simulator: projects', () => {
  it('creates, reads, updates and deletes a project', async () => {
    const created = await call('POST', '/projects', {
      project_name: 'berth-crud',
      metadata: { public: 'false' },
    });
    expect(created.status).toBe(201);
    expect(created.text).toBe('');
    const location = created.headers.get('location');
    expect(location).toMatch(/^\/api\/v2\.0\/projects\/\d+$/);
    const id = location!.split('/').pop()!;

    const dup = await call('POST', '/projects', {
      project_name: 'berth-crud',
      metadata: { public: 'false' },
    });
    expect(dup.status).toBe(409);
    expect(errCode(dup)).toBe('CONFLICT');

    expect((await call('HEAD', '/projects?project_name=berth-crud')).status).toBe(200);
    expect((await call('HEAD', '/projects?project_name=missing')).status).toBe(404);

    const byId = await call('GET', `/projects/${id}`);
    expect(byId.body).toMatchObject({
      project_id: Number(id),
      name: 'berth-crud',
      metadata: { public: 'false' },
      repo_count: 0,
    });
    const byName = await call('GET', '/projects/berth-crud');
    expect(byName.body).toMatchObject({ project_id: Number(id) });

    const put = await call('PUT', `/projects/${id}`, { metadata: { public: 'true' } });
    expect(put.status).toBe(200);
    expect((await call('GET', `/projects/${id}`)).body).toMatchObject({ metadata: { public: 'true' } });

    expect((await call('DELETE', '/projects/berth-crud')).status).toBe(200);
    expect((await call('GET', `/projects/${id}`)).status).toBe(404);
  });

  it('validates names and the string-typed public flag', async () => {
    const bad = await call('POST', '/projects', { project_name: 'Bad Name', metadata: { public: 'true' } });
    expect(bad.status).toBe(400);
    expect(errCode(bad)).toBe('BAD_REQUEST');
    const boolPublic = await call('POST', '/projects', {
      project_name: 'bool-public',
      metadata: { public: true },
    });
    expect(boolPublic.status).toBe(422);
    expect((await call('HEAD', '/projects?project_name=bool-public')).status).toBe(404);
  });

  it('treats a numeric segment as an id unless X-Is-Resource-Name: true', async () => {
    expect(
      (await call('POST', '/projects', { project_name: '4242', metadata: { public: 'false' } })).status,
    ).toBe(201);
    expect((await call('GET', '/projects/4242')).status).toBe(404);
    const byName = await call('GET', '/projects/4242', undefined, { 'x-is-resource-name': 'true' });
    expect(byName.status).toBe(200);
    expect(byName.body).toMatchObject({ name: '4242' });
    expect((await call('DELETE', '/projects/4242', undefined, { 'x-is-resource-name': 'true' })).status).toBe(
      200,
    );
  });

  it('pages across 3 pages with X-Total-Count and Link prev/next', async () => {
    for (let i = 0; i < 25; i++) {
      expect(
        (
          await call('POST', '/projects', {
            project_name: `pg-${String(i).padStart(2, '0')}`,
            metadata: { public: 'false' },
          })
        ).status,
      ).toBe(201);
    }
    const seen: string[] = [];
    let next: string | null = '/projects?page=1&page_size=10&q=name%3D~pg-';
    const links: (string | null)[] = [];
    while (next) {
      const page = await call('GET', next.replace(/^\/api\/v2\.0/, ''));
      expect(page.status).toBe(200);
      expect(page.headers.get('x-total-count')).toBe('25');
      seen.push(...(page.body as { name: string }[]).map((p) => p.name));
      const link = page.headers.get('link');
      links.push(link);
      next = link ? (/<([^>]+)>; rel="next"/.exec(link)?.[1] ?? null) : null;
    }
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
    expect(links[0]).toBe('</api/v2.0/projects?page=2&page_size=10&q=name=~pg->; rel="next"');
    expect(links[1]).toBe(
      '</api/v2.0/projects?page=1&page_size=10&q=name=~pg->; rel="prev" , </api/v2.0/projects?page=3&page_size=10&q=name=~pg->; rel="next"',
    );
    expect(links[2]).toBe('</api/v2.0/projects?page=2&page_size=10&q=name=~pg->; rel="prev"');

    const named = await call('GET', '/projects?name=pg-1');
    expect(named.headers.get('x-total-count')).toBe('10');
    const tooBig = await call('GET', '/projects?page_size=101');
    expect(tooBig.status).toBe(422);
  });
});

describe('Harbor simulator: repositories and artifacts', () => {
  it('lists repositories and artifacts, deletes by tag and by digest, and refuses to delete a non-empty project', async () => {
    const first = sim.pushImage('apps/nginx', '1.27', { size: 1234 });
    sim.pushImage('apps/nginx', 'latest', { digest: first.digest });
    const second = sim.pushImage('apps/nginx', '1.28', { size: 999 });
    sim.pushImage('apps/tools/debug', 'v1');
    expect(first.digest).toMatch(/^sha256:[0-9a-f]{64}$/);

    const blocked = await call('DELETE', '/projects/apps');
    expect(blocked.status).toBe(412);
    expect(errCode(blocked)).toBe('PRECONDITION');

    const repos = await call('GET', '/projects/apps/repositories');
    expect(repos.headers.get('x-total-count')).toBe('2');
    const nginx = (repos.body as { name: string; artifact_count: number }[]).find(
      (r) => r.name === 'apps/nginx',
    );
    expect(nginx).toMatchObject({
      artifact_count: 2,
      pull_count: 0,
      id: expect.any(Number),
      update_time: expect.any(String),
      creation_time: expect.any(String),
    });

    const arts = await call('GET', '/projects/apps/repositories/nginx/artifacts');
    const list = arts.body as {
      digest: string;
      size: number;
      type: string;
      media_type: string;
      tags: { name: string; immutable: boolean; push_time: string }[];
      push_time: string;
      pull_time: string;
    }[];
    expect(list).toHaveLength(2);
    const a1 = list.find((a) => a.digest === first.digest)!;
    expect(a1).toMatchObject({
      size: 1234,
      type: 'IMAGE',
      media_type: expect.any(String),
      push_time: expect.any(String),
      pull_time: expect.any(String),
    });
    expect(a1.tags.map((t) => t.name).sort()).toEqual(['1.27', 'latest']);
    expect(a1.tags[0]).toMatchObject({ immutable: false, push_time: expect.any(String) });

    const byTag = await call('GET', '/projects/apps/repositories/nginx/artifacts/1.28');
    expect(byTag.body).toMatchObject({ digest: second.digest, size: 999 });

    // delete by tag, then by digest
    expect((await call('DELETE', '/projects/apps/repositories/nginx/artifacts/1.28')).status).toBe(200);
    expect((await call('GET', `/projects/apps/repositories/nginx/artifacts/${second.digest}`)).status).toBe(
      404,
    );
    expect((await call('DELETE', `/projects/apps/repositories/nginx/artifacts/${first.digest}`)).status).toBe(
      200,
    );
    const gone = await call('GET', '/projects/apps/repositories/nginx/artifacts/latest');
    expect(gone.status).toBe(404);
    expect(errCode(gone)).toBe('NOT_FOUND');

    // nested repository names are URL-encoded twice
    const nested = await call(
      'GET',
      `/projects/apps/repositories/${encodeURIComponent(encodeURIComponent('tools/debug'))}/artifacts`,
    );
    expect(nested.status).toBe(200);
    expect((nested.body as unknown[]).length).toBe(1);
    expect(
      (
        await call(
          'DELETE',
          `/projects/apps/repositories/${encodeURIComponent(encodeURIComponent('tools/debug'))}`,
        )
      ).status,
    ).toBe(200);
    expect((await call('DELETE', '/projects/apps/repositories/nginx')).status).toBe(200);
    expect((await call('GET', '/projects/apps/repositories')).body).toEqual([]);
    expect((await call('DELETE', '/projects/apps')).status).toBe(200);
  });

  it('seeds images over POST /__sim/push for scripts', async () => {
    const res = await fetch(`${sim.url}/__sim/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ repository: 'library/busybox', tag: '1.36' }),
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { digest: string };
    const art = await call('GET', '/projects/library/repositories/busybox/artifacts/1.36');
    expect(art.body).toMatchObject({ digest: body.digest });
  });
});

describe('Harbor simulator: robot accounts', () => {
  const robotBody = (name: string, namespace = 'robots') => ({
    name,
    level: 'project',
    duration: -1,
    description: 'berth pull robot',
    permissions: [{ kind: 'project', namespace, access: [{ resource: 'repository', action: 'pull' }] }],
  });

  it('creates, lists, refreshes and deletes a robot; the robot can pull but not manage', async () => {
    expect(
      (await call('POST', '/projects', { project_name: 'robots', metadata: { public: 'false' } })).status,
    ).toBe(201);
    const created = await call('POST', '/robots', robotBody('puller'));
    expect(created.status).toBe(201);
    const robot = created.body as { id: number; name: string; secret: string; expires_at: number };
    expect(robot).toMatchObject({ name: 'robot$robots+puller', expires_at: -1 });
    expect(robot.secret).toMatch(/^[A-Za-z0-9]{32}$/);

    const dup = await call('POST', '/robots', robotBody('puller'));
    expect(dup.status).toBe(409);
    expect(errCode(dup)).toBe('CONFLICT');

    const list = await call('GET', '/robots?q=Level%3Dproject');
    expect(list.headers.get('x-total-count')).toBe('1');
    expect((list.body as { name: string; secret?: string }[])[0]).toMatchObject({
      name: 'robot$robots+puller',
    });
    expect((list.body as { secret?: string }[])[0].secret).toBeUndefined();

    const robotAuth = 'Basic ' + Buffer.from(`${robot.name}:${robot.secret}`).toString('base64');
    expect(
      (await call('GET', '/projects/robots/repositories', undefined, { authorization: robotAuth })).status,
    ).toBe(200);
    expect(
      (await call('POST', '/projects', { project_name: 'nope' }, { authorization: robotAuth })).status,
    ).toBe(403);

    const refreshed = await call('PATCH', `/robots/${robot.id}`, {});
    const secret = (refreshed.body as { secret: string }).secret;
    expect(secret).not.toBe(robot.secret);
    expect(
      (await call('GET', '/projects/robots/repositories', undefined, { authorization: robotAuth })).status,
    ).toBe(401);

    const got = await call('GET', `/robots/${robot.id}`);
    expect(got.body).toMatchObject({
      id: robot.id,
      level: 'project',
      disable: false,
      permissions: [{ namespace: 'robots' }],
    });
    const updated = await call('PUT', `/robots/${robot.id}`, {
      ...(got.body as object),
      description: 'changed',
    });
    expect(updated.status).toBe(200);
    expect((await call('GET', `/robots/${robot.id}`)).body).toMatchObject({ description: 'changed' });

    expect((await call('DELETE', `/robots/${robot.id}`)).status).toBe(200);
    expect((await call('GET', `/robots/${robot.id}`)).status).toBe(404);
  });

  it('validates level, permissions and the project', async () => {
    const badLevel = await call('POST', '/robots', { ...robotBody('x'), level: 'cluster' });
    expect(badLevel.status).toBe(400);
    expect(errCode(badLevel)).toBe('BAD_REQUEST');
    const badAction = await call('POST', '/robots', {
      ...robotBody('y'),
      permissions: [
        { kind: 'project', namespace: 'robots', access: [{ resource: 'repository', action: 'fly' }] },
      ],
    });
    expect(badAction.status).toBe(400);
    const noProject = await call('POST', '/robots', robotBody('z', 'no-such-project'));
    expect(noProject.status).toBe(404);
  });
});

describe('Harbor simulator: faults', () => {
  it('renders an error fault in Harbor format, then recovers', async () => {
    sim.addFault({ kind: 'error', method: 'GET', path: '^/api/v2\\.0/projects$', status: 503, count: 1 });
    const failed = await call('GET', '/projects');
    expect(failed.status).toBe(503);
    expect(failed.body).toEqual({ errors: [{ code: 'UNKNOWN', message: expect.any(String) }] });
    expect((await call('GET', '/projects')).status).toBe(200);
  });

  it('throttles with 429 TOO_MANY_REQUEST, matching by action', async () => {
    sim.addFault({ kind: 'throttle', action: 'createProject', count: 1 });
    const throttled = await call('POST', '/projects', {
      project_name: 'throttled',
      metadata: { public: 'false' },
    });
    expect(throttled.status).toBe(429);
    expect(errCode(throttled)).toBe('TOO_MANY_REQUEST');
    expect(
      (await call('POST', '/projects', { project_name: 'throttled', metadata: { public: 'false' } })).status,
    ).toBe(201);
  });

  it('delays a slow call and records calls with their action', async () => {
    sim.addFault({ kind: 'slow', action: 'getHealth', delay_ms: 300, count: 1 });
    const t0 = Date.now();
    expect((await call('GET', '/health')).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    expect(sim.server.calls.filter((c) => c.action === 'getHealth').length).toBeGreaterThanOrEqual(1);
    sim.clearFaults();
  });
});
