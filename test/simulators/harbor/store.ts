// In-memory Harbor state: projects, repositories, artifacts (with tags) and robot accounts, with the
// field names and shapes Harbor v2.0 returns (snake_case). No HTTP here; see simulator.ts.
import { createHash, randomBytes } from 'node:crypto';

export const ZERO_TIME = '0001-01-01T00:00:00.000Z';
const now = (): string => new Date().toISOString();

/** A Harbor API error: rendered as `{"errors":[{"code","message"}]}` with `status`. */
export class HarborError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Project {
  project_id: number;
  name: string;
  owner_id: number;
  owner_name: string;
  registry_id: number;
  creation_time: string;
  update_time: string;
  deleted: boolean;
  /** Harbor keeps every metadata value as a string ("true"/"false" for public). */
  metadata: Record<string, string>;
  cve_allowlist: {
    id: number;
    project_id: number;
    items: unknown[];
    creation_time: string;
    update_time: string;
  };
}

export interface Repository {
  id: number;
  project_id: number;
  /** Full name including the project: "library/nginx". */
  name: string;
  description: string;
  pull_count: number;
  creation_time: string;
  update_time: string;
}

export interface Tag {
  id: number;
  repository_id: number;
  artifact_id: number;
  name: string;
  push_time: string;
  pull_time: string;
  immutable: boolean;
}

export interface Artifact {
  id: number;
  type: 'IMAGE';
  media_type: string;
  manifest_media_type: string;
  project_id: number;
  repository_id: number;
  digest: string;
  size: number;
  push_time: string;
  pull_time: string;
  extra_attrs: Record<string, unknown>;
}

export interface RobotPermission {
  kind: string;
  namespace: string;
  access: { resource: string; action: string; effect?: string }[];
}

export interface Robot {
  id: number;
  name: string;
  description: string;
  secret: string;
  level: 'system' | 'project';
  duration: number;
  expires_at: number;
  disable: boolean;
  editable: boolean;
  permissions: RobotPermission[];
  creation_time: string;
  update_time: string;
}

export interface PushOptions {
  size?: number;
  digest?: string;
}

const NAME_RE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const ROBOT_ACTIONS = new Set([
  'pull',
  'push',
  'read',
  'list',
  'create',
  'delete',
  'update',
  'stop',
  'operate',
  'scanner-pull',
]);

export function newSecret(): string {
  // Harbor secrets: 32 characters with upper case, lower case and digits.
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  for (;;) {
    const s = Array.from(randomBytes(32), (b) => chars[b % chars.length]).join('');
    if (/[A-Z]/.test(s) && /[a-z]/.test(s) && /\d/.test(s)) return s;
  }
}

export class HarborStore {
  readonly projects = new Map<number, Project>();
  readonly repositories = new Map<number, Repository>();
  readonly artifacts = new Map<number, Artifact>();
  readonly tags = new Map<number, Tag>();
  readonly robots = new Map<number, Robot>();
  readonly health: Record<string, 'healthy' | 'unhealthy'> = {
    core: 'healthy',
    database: 'healthy',
    jobservice: 'healthy',
    portal: 'healthy',
    redis: 'healthy',
    registry: 'healthy',
    registryctl: 'healthy',
  };
  private seq = { project: 0, repository: 0, artifact: 0, tag: 0, robot: 0 };

  /** '2.11' (default) or '2.0': which Harbor's fields the views carry (see simulator.ts). */
  constructor(readonly version: '2.11' | '2.0' = '2.11') {
    // Every Harbor starts with the public "library" project (id 1).
    this.createProject('library', { public: 'true' });
  }

  // ---- projects ----

  createProject(name: string, metadata: Record<string, string> = {}): Project {
    if (!name || name.length > 255 || !NAME_RE.test(name)) {
      throw new HarborError(
        400,
        'BAD_REQUEST',
        `project name is not in lower case or contains illegal characters`,
      );
    }
    if (this.findProjectByName(name))
      throw new HarborError(409, 'CONFLICT', `The project named ${name} already exists`);
    const t = now();
    const id = ++this.seq.project;
    const p: Project = {
      project_id: id,
      name,
      owner_id: 1,
      owner_name: 'admin',
      registry_id: 0,
      creation_time: t,
      update_time: t,
      deleted: false,
      metadata: { public: 'false', ...metadata },
      cve_allowlist: { id, project_id: id, items: [], creation_time: ZERO_TIME, update_time: ZERO_TIME },
    };
    this.projects.set(id, p);
    return p;
  }

  findProjectByName(name: string): Project | undefined {
    return [...this.projects.values()].find((p) => p.name === name);
  }

  /** Resolves a `project_name_or_id` path segment; numeric means id unless `forceName`. */
  project(nameOrId: string, forceName = false): Project {
    const p =
      !forceName && /^\d+$/.test(nameOrId)
        ? this.projects.get(Number(nameOrId))
        : this.findProjectByName(nameOrId);
    if (!p) throw new HarborError(404, 'NOT_FOUND', `project ${nameOrId} not found`);
    return p;
  }

  deleteProject(p: Project): void {
    if (this.repositoriesOf(p).length) {
      throw new HarborError(412, 'PRECONDITION', `the project contains repositories, can not be deleted`);
    }
    for (const r of [...this.robots.values()]) {
      if (r.level === 'project' && r.permissions.some((x) => x.namespace === p.name))
        this.robots.delete(r.id);
    }
    this.projects.delete(p.project_id);
  }

  projectView(p: Project): Record<string, unknown> {
    return {
      ...p,
      repo_count: this.repositoriesOf(p).length,
      ...(this.version === '2.0' ? { chart_count: 0 } : {}),
      current_user_role_id: 1,
      current_user_role_ids: [1],
      togglable: true,
    };
  }

  // ---- repositories ----

  repositoriesOf(p: Project): Repository[] {
    return [...this.repositories.values()].filter((r) => r.project_id === p.project_id);
  }

  repository(p: Project, repoName: string): Repository {
    const full = `${p.name}/${repoName}`;
    const r = this.repositoriesOf(p).find((x) => x.name === full);
    if (!r) throw new HarborError(404, 'NOT_FOUND', `repository ${full} not found`);
    return r;
  }

  deleteRepository(r: Repository): void {
    for (const a of this.artifactsOf(r)) this.deleteArtifact(a);
    this.repositories.delete(r.id);
  }

  repositoryView(r: Repository): Record<string, unknown> {
    return { ...r, artifact_count: this.artifactsOf(r).length };
  }

  // ---- artifacts and tags ----

  artifactsOf(r: Repository): Artifact[] {
    return [...this.artifacts.values()].filter((a) => a.repository_id === r.id);
  }

  tagsOf(a: Artifact): Tag[] {
    return [...this.tags.values()].filter((t) => t.artifact_id === a.id);
  }

  /** An artifact by reference: a digest ("sha256:…") or a tag name. */
  artifact(r: Repository, reference: string): Artifact {
    const a = reference.startsWith('sha256:')
      ? this.artifactsOf(r).find((x) => x.digest === reference)
      : this.artifactsOf(r).find((x) => this.tagsOf(x).some((t) => t.name === reference));
    if (!a)
      throw new HarborError(
        404,
        'NOT_FOUND',
        `artifact ${r.name}${reference.startsWith('sha256:') ? '@' : ':'}${reference} not found`,
      );
    return a;
  }

  deleteArtifact(a: Artifact): void {
    for (const t of this.tagsOf(a)) this.tags.delete(t.id);
    this.artifacts.delete(a.id);
  }

  deleteTag(a: Artifact, tagName: string): void {
    const t = this.tagsOf(a).find((x) => x.name === tagName);
    if (!t) throw new HarborError(404, 'NOT_FOUND', `tag ${tagName} not found`);
    this.tags.delete(t.id);
  }

  artifactView(a: Artifact, withTags = true): Record<string, unknown> {
    return {
      ...a,
      tags: withTags ? this.tagsOf(a) : null, // no `signed`: Notary went in Harbor 2.9
      labels: null,
      references: null,
      addition_links: {
        build_history: {
          absolute: false,
          href: `/api/v2.0/projects/…/artifacts/${a.digest}/additions/build_history`,
        },
        vulnerabilities: {
          absolute: false,
          href: `/api/v2.0/projects/…/artifacts/${a.digest}/additions/vulnerabilities`,
        },
      },
    };
  }

  /** What `docker push <registry>/<repository>:<tag>` leaves behind (creates the project if missing). */
  push(repository: string, tag: string, opts: PushOptions = {}): Artifact {
    const slash = repository.indexOf('/');
    if (slash <= 0)
      throw new HarborError(400, 'BAD_REQUEST', `repository must be "<project>/<name>", got ${repository}`);
    const projectName = repository.slice(0, slash);
    const p = this.findProjectByName(projectName) ?? this.createProject(projectName);
    const t = now();
    let r = this.repositoriesOf(p).find((x) => x.name === repository);
    if (!r) {
      r = {
        id: ++this.seq.repository,
        project_id: p.project_id,
        name: repository,
        description: '',
        pull_count: 0,
        creation_time: t,
        update_time: t,
      };
      this.repositories.set(r.id, r);
    }
    r.update_time = t;
    const digest =
      opts.digest ??
      'sha256:' +
        createHash('sha256')
          .update(`${repository}:${tag}:${this.seq.artifact}:${Math.random()}`)
          .digest('hex');
    let a = this.artifactsOf(r).find((x) => x.digest === digest);
    if (!a) {
      a = {
        id: ++this.seq.artifact,
        type: 'IMAGE',
        media_type: 'application/vnd.docker.container.image.v1+json',
        manifest_media_type: 'application/vnd.docker.distribution.manifest.v2+json',
        project_id: p.project_id,
        repository_id: r.id,
        digest,
        size: opts.size ?? 10_000_000,
        push_time: t,
        pull_time: ZERO_TIME,
        extra_attrs: { architecture: 'amd64', os: 'linux', created: t, author: '', config: {} },
      };
      this.artifacts.set(a.id, a);
    } else {
      a.push_time = t;
    }
    // A tag names one artifact per repository: pushing it again moves it.
    for (const other of this.artifactsOf(r)) {
      for (const old of this.tagsOf(other)) if (old.name === tag) this.tags.delete(old.id);
    }
    const tagId = ++this.seq.tag;
    this.tags.set(tagId, {
      id: tagId,
      repository_id: r.id,
      artifact_id: a.id,
      name: tag,
      push_time: t,
      pull_time: ZERO_TIME,
      immutable: false,
    });
    return a;
  }

  // ---- robot accounts ----

  /** Validates a POST/PUT /robots body the way Harbor does; returns the robot's full name. */
  validateRobot(body: Partial<Robot> | undefined): {
    level: 'system' | 'project';
    fullName: string;
    duration: number;
    permissions: RobotPermission[];
  } {
    if (!body || typeof body !== 'object')
      throw new HarborError(400, 'BAD_REQUEST', 'the request body is required');
    const { name, level, permissions } = body;
    if (level !== 'system' && level !== 'project')
      throw new HarborError(400, 'BAD_REQUEST', `bad request error level input: ${String(level)}`);
    if (typeof name !== 'string' || !name)
      throw new HarborError(400, 'BAD_REQUEST', 'robot name is required');
    if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(name))
      throw new HarborError(
        400,
        'BAD_REQUEST',
        `robot name is not in lower case or contains illegal characters: ${name}`,
      );
    const duration = body.duration ?? -1;
    if (!Number.isInteger(duration) || duration === 0 || duration < -1) {
      throw new HarborError(
        400,
        'BAD_REQUEST',
        `bad request error duration input: ${String(duration)}, duration must be -1 or a positive number of days`,
      );
    }
    if (!Array.isArray(permissions) || permissions.length === 0)
      throw new HarborError(
        400,
        'BAD_REQUEST',
        'bad request permission: at least one permission is required',
      );
    for (const perm of permissions) {
      if (
        !perm ||
        (perm.kind !== 'project' && perm.kind !== 'system') ||
        typeof perm.namespace !== 'string' ||
        !perm.namespace
      ) {
        throw new HarborError(
          400,
          'BAD_REQUEST',
          'bad request permission: kind must be "project" or "system" with a namespace',
        );
      }
      if (!Array.isArray(perm.access) || perm.access.length === 0)
        throw new HarborError(400, 'BAD_REQUEST', 'bad request permission: access is required');
      for (const acc of perm.access) {
        if (!acc || typeof acc.resource !== 'string' || !acc.resource || !ROBOT_ACTIONS.has(acc.action)) {
          throw new HarborError(
            400,
            'BAD_REQUEST',
            `bad request permission: invalid access ${JSON.stringify(acc)}`,
          );
        }
      }
    }
    if (level === 'project') {
      if (permissions.length !== 1 || permissions[0].kind !== 'project') {
        throw new HarborError(
          400,
          'BAD_REQUEST',
          'bad request permission: a project level robot needs exactly one permission of kind "project"',
        );
      }
      const ns = permissions[0].namespace;
      if (ns === '*' || !this.findProjectByName(ns))
        throw new HarborError(404, 'NOT_FOUND', `project ${ns} not found`);
      return { level, fullName: `robot$${ns}+${name}`, duration, permissions };
    }
    return { level, fullName: `robot$${name}`, duration, permissions };
  }

  createRobot(body: Partial<Robot> | undefined): Robot {
    const v = this.validateRobot(body);
    if ([...this.robots.values()].some((r) => r.name === v.fullName)) {
      throw new HarborError(409, 'CONFLICT', `robot account ${v.fullName} already exists`);
    }
    const t = now();
    const robot: Robot = {
      id: ++this.seq.robot,
      name: v.fullName,
      description: body?.description ?? '',
      secret: newSecret(),
      level: v.level,
      duration: v.duration,
      expires_at: v.duration === -1 ? -1 : Math.floor(Date.now() / 1000) + v.duration * 86400,
      disable: body?.disable ?? false,
      editable: true,
      permissions: v.permissions,
      creation_time: t,
      update_time: t,
    };
    this.robots.set(robot.id, robot);
    return robot;
  }

  robot(idParam: string): Robot {
    const r = /^\d+$/.test(idParam) ? this.robots.get(Number(idParam)) : undefined;
    if (!r) throw new HarborError(404, 'NOT_FOUND', `robot ${idParam} not found`);
    return r;
  }

  robotView(r: Robot): Record<string, unknown> {
    const { secret: _secret, ...rest } = r;
    return rest;
  }

  /** A robot's credentials, if they are valid now. */
  robotByCredentials(username: string, password: string): Robot | undefined {
    const r = [...this.robots.values()].find((x) => x.name === username);
    if (!r || r.secret !== password || r.disable) return undefined;
    if (r.expires_at !== -1 && r.expires_at * 1000 < Date.now()) return undefined;
    return r;
  }
}
