// Harbor v2.0 simulator: the REST API under /api/v2.0 with Basic auth, Harbor's error envelope
// ({"errors":[{code,message}]}), X-Request-Id echo, page/page_size paging with X-Total-Count and Link.
// State lives in store.ts; list conventions in paging.ts. See ../README.md.
import { randomUUID } from 'node:crypto';
import {
  SimServer,
  type Fault,
  type Handler,
  type SimRequest,
  type SimResponse,
} from '../common/sim-server.js';
import type { RunningSimulator, SimulatorOptions } from '../common/types.js';
import { applyQuery, paginate, parseQuery } from './paging.js';
import { HarborError, HarborStore, newSecret, type Artifact, type PushOptions, type Robot } from './store.js';

export const HARBOR_ADMIN = 'admin';
export const HARBOR_PASSWORD = 'Harbor12345';
const API = '/api/v2.0';

export interface HarborSimulator extends RunningSimulator {
  vendor: 'harbor';
  store: HarborStore;
  /** Seeds an image as `docker push` would: creates the project (private) and repository if missing, then the artifact + tag. */
  pushImage(
    repository: string,
    tag: string,
    opts?: PushOptions,
  ): { digest: string; size: number; repository: string; tag: string };
  /** Marks a /health component (core, database, jobservice, portal, redis, registry, registryctl) healthy or not. */
  setComponentHealth(component: string, status: 'healthy' | 'unhealthy'): void;
}

const CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  412: 'PRECONDITION',
  422: 'UNPROCESSABLE_ENTITY',
  429: 'TOO_MANY_REQUEST',
};

function requestId(req: SimRequest): string {
  return String(req.headers['x-request-id']);
}

function errorResponse(
  req: SimRequest,
  status: number,
  code: string,
  message: string,
  extra: Record<string, string> = {},
): SimResponse {
  return {
    status,
    body: { errors: [{ code, message }] },
    headers: { 'content-type': 'application/json; charset=utf-8', 'X-Request-Id': requestId(req), ...extra },
  };
}

type Principal = { kind: 'admin' } | { kind: 'robot'; robot: Robot };

/** Routes plus the Harbor operationId of each, so faults can match on `action` (e.g. "createProject"). */
class HarborRoutes {
  private readonly table: { method: string; pattern: RegExp; action: string }[] = [];
  constructor(
    private readonly server: SimServer,
    private readonly version: HarborVersion,
  ) {}

  add(method: string, path: string, action: string, handler: Handler): void {
    if (this.version === '2.0' && path.startsWith('/robots')) return; // robot accounts v2 came with Harbor 2.2
    const full = API + path;
    this.table.push({ method, pattern: new RegExp('^' + full.replace(/:(\w+)/g, '[^/]+') + '/?$'), action });
    this.server.route(method, full, async (req) => {
      let out: SimResponse;
      try {
        out = await handler(req);
      } catch (e) {
        if (!(e instanceof HarborError)) throw e;
        return errorResponse(req, e.status, e.code, e.message);
      }
      return { ...out, headers: { ...(out.headers ?? {}), 'X-Request-Id': requestId(req) } };
    });
  }

  actionFor(req: SimRequest): string | undefined {
    return this.table.find((r) => r.method === req.method && r.pattern.test(req.path))?.action;
  }
}

/**
 * Which Harbor the simulator is. '2.11' (default) speaks v2.11's API exactly: no `chart_count` on projects
 * (ChartMuseum was removed in 2.8), no `with_notary` in /systeminfo (Notary removed in 2.9). '2.0' is a
 * Harbor 2.0: /systeminfo says v2.0.x, projects still carry chart_count, and there is no /robots API (robot
 * accounts v2 came with 2.2).
 */
export type HarborVersion = '2.11' | '2.0';

export async function startHarborSimulator(
  opts: SimulatorOptions & { version?: HarborVersion } = {},
): Promise<HarborSimulator> {
  const version: HarborVersion = opts.version ?? '2.11';
  const store = new HarborStore(version);
  const principals = new WeakMap<SimRequest, Principal>();

  const server = new SimServer({
    recordExchanges: true,
    renderFault: (f: Fault, req) =>
      f.kind === 'throttle'
        ? errorResponse(
            req,
            f.status ?? 429,
            f.code ?? 'TOO_MANY_REQUEST',
            f.message ?? 'too many requests, please retry later',
            { 'Retry-After': '1' },
          )
        : errorResponse(
            req,
            f.status ?? 500,
            f.code ?? CODES[f.status ?? 500] ?? 'UNKNOWN',
            f.message ?? 'internal server error',
          ),
    notFound: (req) => errorResponse(req, 404, 'NOT_FOUND', `no route for ${req.method} ${req.path}`),
    before: (req) => {
      req.headers['x-request-id'] ??= randomUUID();
      req.action = routes.actionFor(req); // requests only arrive after `routes` is set up below
      return authenticate(req);
    },
    state: () => ({
      projects: [...store.projects.values()].map((p) => store.projectView(p)),
      repositories: [...store.repositories.values()].map((r) => store.repositoryView(r)),
      artifacts: [...store.artifacts.values()].map((a) => store.artifactView(a)),
      robots: [...store.robots.values()].map((r) => store.robotView(r)),
      health: store.health,
    }),
  });
  const routes = new HarborRoutes(server, version);

  function authenticate(req: SimRequest): SimResponse | undefined {
    const auth = String(req.headers.authorization ?? '');
    const anonymousOk =
      req.method === 'GET' && ['/ping', '/health', '/systeminfo'].includes(req.path.slice(API.length));
    if (!auth)
      return anonymousOk
        ? undefined
        : errorResponse(req, 401, 'UNAUTHORIZED', 'unauthorized', {
            'WWW-Authenticate': 'Basic realm="harbor"',
          });
    const m = /^Basic\s+(.+)$/i.exec(auth);
    const decoded = m ? Buffer.from(m[1], 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    const [user, pass] = colon < 0 ? ['', ''] : [decoded.slice(0, colon), decoded.slice(colon + 1)];
    if (user === HARBOR_ADMIN && pass === HARBOR_PASSWORD) {
      principals.set(req, { kind: 'admin' });
      return undefined;
    }
    const robot = store.robotByCredentials(user, pass);
    if (robot) {
      principals.set(req, { kind: 'robot', robot });
      // Robots here are read-only: enough for `docker pull`-style checks, never for management calls.
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return errorResponse(
          req,
          403,
          'FORBIDDEN',
          `robot ${robot.name} is not allowed to ${req.method} ${req.path}`,
        );
      return undefined;
    }
    return errorResponse(req, 401, 'UNAUTHORIZED', 'unauthorized', {
      'WWW-Authenticate': 'Basic realm="harbor"',
    });
  }

  const jsonBody = <T>(req: SimRequest): T => {
    if (req.body === undefined || req.body === null || typeof req.body !== 'object') {
      throw new HarborError(
        400,
        'BAD_REQUEST',
        'invalid request body: expected a JSON object (Content-Type: application/json)',
      );
    }
    return req.body as T;
  };
  const forceName = (req: SimRequest) =>
    String(req.headers['x-is-resource-name'] ?? '').toLowerCase() === 'true';
  const sortBy = <T>(
    items: T[],
    sort: string | null,
    dflt: string,
    get: (it: T, k: string) => unknown,
  ): T[] => {
    const keys = (sort || dflt).split(',').filter(Boolean);
    return [...items].sort((a, b) => {
      for (const k of keys) {
        const desc = k.startsWith('-');
        const key = desc ? k.slice(1) : k;
        const [x, y] = [get(a, key), get(b, key)] as [string | number, string | number];
        if (x !== y) return (x < y ? -1 : 1) * (desc ? -1 : 1);
      }
      return 0;
    });
  };
  const metadataOf = (m: unknown, publicFlag: unknown): Record<string, string> => {
    const out: Record<string, string> = {};
    if (typeof publicFlag === 'boolean') out.public = String(publicFlag);
    if (m !== undefined && (m === null || typeof m !== 'object'))
      throw new HarborError(
        422,
        'UNPROCESSABLE_ENTITY',
        'validation failure list:\nmetadata in body must be of type object',
      );
    for (const [k, v] of Object.entries((m ?? {}) as Record<string, unknown>)) {
      if (typeof v !== 'string')
        throw new HarborError(
          422,
          'UNPROCESSABLE_ENTITY',
          `validation failure list:\nmetadata.${k} in body must be of type string: "${typeof v}"`,
        );
      if (k === 'public' && v !== 'true' && v !== 'false')
        throw new HarborError(400, 'BAD_REQUEST', `invalid value for metadata.public: ${v}`);
      out[k] = v;
    }
    return out;
  };

  // ---- system ----
  routes.add('GET', '/ping', 'getPing', () => ({ status: 200, body: 'Pong' }));
  routes.add('GET', '/health', 'getHealth', () => {
    const components = Object.entries(store.health).map(([name, status]) =>
      status === 'healthy' ? { name, status } : { name, status, error: `${name} is unreachable` },
    );
    return {
      status: 200,
      body: { status: components.every((c) => c.status === 'healthy') ? 'healthy' : 'unhealthy', components },
    };
  });
  routes.add('GET', '/systeminfo', 'getSystemInfo', (req) => {
    const host = String(req.headers.host ?? '127.0.0.1');
    const basic =
      version === '2.0'
        ? {
            with_notary: false,
            with_chartmuseum: false,
            auth_mode: 'db_auth',
            self_registration: false,
            harbor_version: 'v2.0.6-sim',
          }
        : {
            auth_mode: 'db_auth',
            primary_auth_mode: false,
            self_registration: false,
            harbor_version: 'v2.11.0-sim',
            banner_message: '',
          };
    if (!principals.has(req)) return { status: 200, body: basic };
    return {
      status: 200,
      body: {
        ...basic,
        registry_url: host,
        external_url: `http://${host}`,
        project_creation_restriction: 'everyone',
        has_ca_root: false,
        read_only: false,
        notification_enable: true,
        registry_storage_provider_name: 'filesystem',
      },
    };
  });
  routes.add('GET', '/users/current', 'getCurrentUserInfo', (req) => {
    if (principals.get(req)?.kind !== 'admin')
      throw new HarborError(403, 'FORBIDDEN', 'robot accounts have no user profile');
    return {
      status: 200,
      body: {
        user_id: 1,
        username: 'admin',
        email: 'admin@example.com',
        realname: 'system admin',
        comment: 'admin user',
        sysadmin_flag: true,
        admin_role_in_auth: false,
        creation_time: '2024-01-01T00:00:00.000Z',
        update_time: '2024-01-01T00:00:00.000Z',
      },
    };
  });

  // ---- projects ----
  routes.add('POST', '/projects', 'createProject', (req) => {
    const body = jsonBody<{ project_name?: unknown; metadata?: unknown; public?: unknown }>(req);
    if (typeof body.project_name !== 'string' || !body.project_name)
      throw new HarborError(
        422,
        'UNPROCESSABLE_ENTITY',
        'validation failure list:\nproject_name in body is required',
      );
    const p = store.createProject(body.project_name, metadataOf(body.metadata, body.public));
    return { status: 201, headers: { Location: `${API}/projects/${p.project_id}` } };
  });
  routes.add('HEAD', '/projects', 'headProject', (req) => {
    const name = req.query.get('project_name');
    if (!name)
      throw new HarborError(
        422,
        'UNPROCESSABLE_ENTITY',
        'validation failure list:\nproject_name in query is required',
      );
    return { status: store.findProjectByName(name) ? 200 : 404 };
  });
  routes.add('GET', '/projects', 'listProjects', (req) => {
    let items = [...store.projects.values()];
    const name = req.query.get('name');
    if (name) items = items.filter((p) => p.name.includes(name)); // Harbor: fuzzy match on `name`
    const pub = req.query.get('public');
    if (pub) items = items.filter((p) => p.metadata.public === pub);
    const get = (p: (typeof items)[number], k: string): unknown =>
      k in p ? (p as unknown as Record<string, unknown>)[k] : p.metadata[k];
    items = applyQuery(
      items,
      parseQuery(req.query.get('q'), { ProjectID: 'project_id', id: 'project_id' }),
      get,
    );
    items = sortBy(items, req.query.get('sort'), 'name', get);
    const page = paginate(req, items);
    return { status: 200, body: page.items.map((p) => store.projectView(p)), headers: page.headers };
  });
  routes.add('GET', '/projects/:project', 'getProject', (req) => ({
    status: 200,
    body: store.projectView(store.project(req.params.project, forceName(req))),
  }));
  routes.add('PUT', '/projects/:project', 'updateProject', (req) => {
    const p = store.project(req.params.project, forceName(req));
    const body = jsonBody<{ metadata?: unknown; public?: unknown }>(req);
    Object.assign(p.metadata, metadataOf(body.metadata, body.public));
    p.update_time = new Date().toISOString();
    return { status: 200 };
  });
  routes.add('DELETE', '/projects/:project', 'deleteProject', (req) => {
    store.deleteProject(store.project(req.params.project, forceName(req)));
    return { status: 200 };
  });

  // ---- repositories ----
  routes.add('GET', '/projects/:project/repositories', 'listRepositories', (req) => {
    const p = store.project(req.params.project, true);
    const get = (r: ReturnType<typeof store.repositoriesOf>[number], k: string): unknown =>
      (r as unknown as Record<string, unknown>)[k];
    let items = applyQuery(store.repositoriesOf(p), parseQuery(req.query.get('q')), get);
    items = sortBy(items, req.query.get('sort'), '-creation_time,-id', get);
    const page = paginate(req, items);
    return { status: 200, body: page.items.map((r) => store.repositoryView(r)), headers: page.headers };
  });
  routes.add('GET', '/projects/:project/repositories/:repository', 'getRepository', (req) => {
    const r = store.repository(store.project(req.params.project, true), req.params.repository);
    return { status: 200, body: store.repositoryView(r) };
  });
  routes.add('DELETE', '/projects/:project/repositories/:repository', 'deleteRepository', (req) => {
    store.deleteRepository(store.repository(store.project(req.params.project, true), req.params.repository));
    return { status: 200 };
  });

  // ---- artifacts and tags ----
  const repoOf = (req: SimRequest) =>
    store.repository(store.project(req.params.project, true), req.params.repository);
  const artifactBody = (req: SimRequest, a: Artifact) =>
    store.artifactView(a, req.query.get('with_tag') !== 'false');
  routes.add('GET', '/projects/:project/repositories/:repository/artifacts', 'listArtifacts', (req) => {
    const r = repoOf(req);
    const get = (a: Artifact, k: string): unknown =>
      k === 'tags' ? store.tagsOf(a).map((t) => t.name) : (a as unknown as Record<string, unknown>)[k];
    let items = applyQuery(store.artifactsOf(r), parseQuery(req.query.get('q')), get);
    items = sortBy(items, req.query.get('sort'), '-push_time,-id', get);
    const page = paginate(req, items);
    return { status: 200, body: page.items.map((a) => artifactBody(req, a)), headers: page.headers };
  });
  routes.add(
    'GET',
    '/projects/:project/repositories/:repository/artifacts/:reference',
    'getArtifact',
    (req) => ({
      status: 200,
      body: artifactBody(req, store.artifact(repoOf(req), req.params.reference)),
    }),
  );
  routes.add(
    'DELETE',
    '/projects/:project/repositories/:repository/artifacts/:reference',
    'deleteArtifact',
    (req) => {
      store.deleteArtifact(store.artifact(repoOf(req), req.params.reference));
      return { status: 200 };
    },
  );
  routes.add(
    'GET',
    '/projects/:project/repositories/:repository/artifacts/:reference/tags',
    'listTags',
    (req) => {
      const page = paginate(req, store.tagsOf(store.artifact(repoOf(req), req.params.reference)));
      return { status: 200, body: page.items, headers: page.headers };
    },
  );
  routes.add(
    'DELETE',
    '/projects/:project/repositories/:repository/artifacts/:reference/tags/:tag',
    'deleteTag',
    (req) => {
      store.deleteTag(store.artifact(repoOf(req), req.params.reference), req.params.tag);
      return { status: 200 };
    },
  );

  // ---- robot accounts ----
  routes.add('POST', '/robots', 'CreateRobot', (req) => {
    const r = store.createRobot(jsonBody<Partial<Robot>>(req));
    return {
      status: 201,
      body: {
        id: r.id,
        name: r.name,
        secret: r.secret,
        creation_time: r.creation_time,
        expires_at: r.expires_at,
      },
      headers: { Location: `${API}/robots/${r.id}` },
    };
  });
  routes.add('GET', '/robots', 'ListRobot', (req) => {
    const get = (r: Robot, k: string): unknown => {
      if (k === 'project_id')
        return r.level === 'project' ? store.findProjectByName(r.permissions[0].namespace)?.project_id : 0;
      return (r as unknown as Record<string, unknown>)[k];
    };
    const conditions = parseQuery(req.query.get('q'), {
      Level: 'level',
      ProjectID: 'project_id',
      Name: 'name',
    });
    const items = sortBy(
      applyQuery([...store.robots.values()], conditions, get),
      req.query.get('sort'),
      'id',
      get,
    );
    const page = paginate(req, items);
    return { status: 200, body: page.items.map((r) => store.robotView(r)), headers: page.headers };
  });
  routes.add('GET', '/robots/:id', 'GetRobotByID', (req) => ({
    status: 200,
    body: store.robotView(store.robot(req.params.id)),
  }));
  routes.add('PUT', '/robots/:id', 'UpdateRobot', (req) => {
    const robot = store.robot(req.params.id);
    const body = jsonBody<Partial<Robot>>(req);
    const shortName =
      typeof body.name === 'string' ? body.name.replace(/^robot\$(?:[^+]+\+)?/, '') : body.name;
    if (
      body.level !== robot.level ||
      (body.name !== robot.name &&
        `robot$${robot.level === 'project' ? robot.permissions[0].namespace + '+' : ''}${shortName}` !==
          robot.name)
    ) {
      throw new HarborError(400, 'BAD_REQUEST', 'cannot update the level or name of robot');
    }
    const v = store.validateRobot({ ...body, name: shortName });
    Object.assign(robot, {
      description: body.description ?? robot.description,
      disable: body.disable ?? robot.disable,
      duration: v.duration,
      expires_at:
        v.duration === -1 ? -1 : Math.floor(Date.parse(robot.creation_time) / 1000) + v.duration * 86400,
      permissions: v.permissions,
      update_time: new Date().toISOString(),
    });
    return { status: 200 };
  });
  routes.add('PATCH', '/robots/:id', 'RefreshSec', (req) => {
    const robot = store.robot(req.params.id);
    const wanted = (req.body as { secret?: unknown } | undefined)?.secret;
    if (
      wanted !== undefined &&
      (typeof wanted !== 'string' || !/^(?=.*[a-z])(?=.*[A-Z])(?=.*\d).{8,128}$/.test(wanted))
    ) {
      throw new HarborError(
        400,
        'BAD_REQUEST',
        'the secret must be 8-128 characters long with at least 1 uppercase letter, 1 lowercase letter and 1 number',
      );
    }
    robot.secret = typeof wanted === 'string' ? wanted : newSecret();
    robot.update_time = new Date().toISOString();
    return { status: 200, body: { secret: robot.secret } };
  });
  routes.add('DELETE', '/robots/:id', 'DeleteRobot', (req) => {
    store.robots.delete(store.robot(req.params.id).id);
    return { status: 200 };
  });

  // POST /__sim/push {repository, tag, size?, digest?}: seed an image from scripts (the common admin routes stay as they are).
  const push = (repository: string, tag: string, o: PushOptions = {}) => {
    const a = store.push(repository, tag, o);
    return { digest: a.digest, size: a.size, repository, tag };
  };
  extendAdmin(server, (req) => {
    if (req.path !== '/__sim/push' || req.method !== 'POST') return undefined;
    const b = (req.body ?? {}) as { repository?: unknown; tag?: unknown; size?: unknown; digest?: unknown };
    if (typeof b.repository !== 'string' || typeof b.tag !== 'string')
      return { status: 400, body: { error: 'body must be {"repository":"<project>/<name>","tag":"<tag>"}' } };
    try {
      return {
        status: 201,
        body: push(b.repository, b.tag, {
          size: typeof b.size === 'number' ? b.size : undefined,
          digest: typeof b.digest === 'string' ? b.digest : undefined,
        }),
      };
    } catch (e) {
      if (e instanceof HarborError) return { status: e.status, body: { error: e.message } };
      throw e;
    }
  });

  const url = await server.listen(opts.port ?? 0);
  return {
    vendor: 'harbor',
    url,
    credential: {
      settings: { endpoint: url, username: HARBOR_ADMIN },
      secrets: { password: HARBOR_PASSWORD },
    },
    server,
    store,
    addFault: (f) => server.faults.add(f),
    clearFaults: () => server.faults.clear(),
    close: () => server.close(),
    pushImage: push,
    setComponentHealth: (component, status) => {
      store.health[component] = status;
    },
  };
}

/**
 * SimServer answers every /__sim/* path itself; this adds vendor-specific admin routes in front of
 * its own (runtime wrap of its private `admin` method, until the common base grows a hook for it).
 */
function extendAdmin(server: SimServer, extra: (req: SimRequest) => SimResponse | undefined): void {
  const s = server as unknown as { admin(req: SimRequest): SimResponse };
  const original = s.admin.bind(server);
  s.admin = (req) => extra(req) ?? original(req);
}
