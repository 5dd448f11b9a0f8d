import { Injectable } from '@nestjs/common';
import type {
  ListResult,
  ListSlice,
  PullRobot,
  RegistryArtifact,
  RegistryConnection,
  RegistryHealth,
  RegistryProject,
  RegistryProvider,
  RegistryRepository,
} from '../registry-provider.js';
import { AppError } from '../../common/app-error.js';
import { ErrorCode } from '../../common/error-codes.js';
import { parseLinkHeader } from './harbor-errors.js';
import { HarborHttpClient, type HarborResponse } from './harbor-http.client.js';

/**
 * The oldest Harbor Berth works with: 2.2 brought the robot accounts API (`/robots`) and name-or-id project
 * paths (`X-Is-Resource-Name`) that Berth uses.
 */
export const HARBOR_MIN_VERSION = [2, 2] as const;

/** "v2.11.0-abc123" → [2, 11]; null when there is no version to read. */
export function harborVersion(v: string | undefined): [number, number] | null {
  const m = /^v?(\d+)\.(\d+)/.exec(v ?? '');
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/** Harbor's page size limit. */
export const HARBOR_MAX_PAGE_SIZE = 100;
/** Harbor's "never" timestamp. */
const ZERO_TIME = /^0001-01-01/;

interface HarborProject {
  project_id: number;
  name: string;
  metadata?: Record<string, string>;
  repo_count?: number;
  creation_time?: string;
  update_time?: string;
}

interface HarborRepository {
  name: string;
  artifact_count?: number;
  pull_count?: number;
  creation_time?: string;
  update_time?: string;
}

interface HarborTag {
  name: string;
  push_time?: string;
  pull_time?: string;
  immutable?: boolean;
}

interface HarborArtifact {
  digest: string;
  size?: number;
  type?: string;
  media_type?: string;
  manifest_media_type?: string;
  push_time?: string;
  pull_time?: string;
  tags?: HarborTag[] | null;
}

const time = (t: string | undefined): string | null => (!t || ZERO_TIME.test(t) ? null : t);

/**
 * Project names go into the path once encoded; numeric names need X-Is-Resource-Name on the
 * `/projects/{project_name_or_id}` operations (the repository and artifact ones take a name only, and
 * Harbor 2.11 defines no such header for them).
 */
const projectPath = (p: string) => `/projects/${encodeURIComponent(p)}`;
const byName = { 'X-Is-Resource-Name': 'true' };
/** Repository names may contain "/": Harbor wants them URL-encoded twice. */
const repoPath = (p: string, r: string) =>
  `${projectPath(p)}/repositories/${encodeURIComponent(encodeURIComponent(r))}`;

export function toProject(p: HarborProject): RegistryProject {
  return {
    name: p.name,
    vendor_id: String(p.project_id),
    public: p.metadata?.public === 'true',
    repository_count: p.repo_count ?? 0,
    created_at: time(p.creation_time),
    updated_at: time(p.update_time),
  };
}

export function toRepository(project: string, r: HarborRepository): RegistryRepository {
  const prefix = `${project}/`;
  return {
    name: r.name.startsWith(prefix) ? r.name.slice(prefix.length) : r.name,
    full_name: r.name,
    artifact_count: r.artifact_count ?? 0,
    pull_count: r.pull_count ?? 0,
    created_at: time(r.creation_time),
    updated_at: time(r.update_time),
  };
}

export function toArtifact(a: HarborArtifact): RegistryArtifact {
  return {
    digest: a.digest,
    size: a.size ?? 0,
    type: a.type ?? null,
    media_type: a.manifest_media_type ?? a.media_type ?? null,
    tags: (a.tags ?? []).map((t) => ({
      name: t.name,
      pushed_at: time(t.push_time),
      pulled_at: time(t.pull_time),
      immutable: t.immutable ?? false,
    })),
    pushed_at: time(a.push_time),
    pulled_at: time(a.pull_time),
  };
}

/**
 * Maps a Berth slice (offset + limit, any size up to Berth's max) onto Harbor's page/page_size
 * (at most 100): the Harbor pages covering the slice, stopping when Harbor's Link header names no
 * next page. The total is Harbor's X-Total-Count.
 */
export function harborPagesFor(slice: ListSlice): { pageSize: number; first: number; last: number } {
  const pageSize = Math.min(Math.max(slice.limit, 1), HARBOR_MAX_PAGE_SIZE);
  const first = Math.floor(slice.offset / pageSize) + 1;
  const last = Math.floor((slice.offset + Math.max(slice.limit, 1) - 1) / pageSize) + 1;
  return { pageSize, first, last };
}

@Injectable()
export class HarborProvider implements RegistryProvider {
  readonly name = 'harbor';

  constructor(private readonly http: HarborHttpClient) {}

  async health(c: RegistryConnection): Promise<RegistryHealth> {
    const [health, info] = await Promise.all([
      this.http.call<{ status?: string; components?: { name: string; status: string; error?: string }[] }>(
        c,
        'GET',
        '/health',
      ),
      this.http.call<{ harbor_version?: string }>(c, 'GET', '/systeminfo'),
    ]);
    return {
      status: health.body.status === 'healthy' ? 'healthy' : 'unhealthy',
      version: info.body.harbor_version ?? null,
      components: (health.body.components ?? []).map((x) => ({
        name: x.name,
        status: x.status,
        error: x.error ?? null,
      })),
    };
  }

  /** Asks /systeminfo (with the credential, so a rejected one is 50202 now) and refuses a Harbor older than 2.2. */
  async checkSupported(c: RegistryConnection): Promise<string> {
    const info = (await this.http.call<{ harbor_version?: string }>(c, 'GET', '/systeminfo')).body;
    const v = harborVersion(info?.harbor_version);
    const min = HARBOR_MIN_VERSION.join('.');
    if (!v)
      throw new AppError(
        ErrorCode.UNPROCESSABLE,
        `Harbor registry ${c.registryName} did not say which version it runs; Berth needs Harbor ${min} or newer`,
        { field: 'endpoint', min_version: min },
      );
    if (v[0] < HARBOR_MIN_VERSION[0] || (v[0] === HARBOR_MIN_VERSION[0] && v[1] < HARBOR_MIN_VERSION[1]))
      throw new AppError(
        ErrorCode.UNPROCESSABLE,
        `Harbor registry ${c.registryName} runs ${info.harbor_version}; Berth needs Harbor ${min} or newer (robot accounts and project names in paths); upgrade Harbor`,
        { field: 'endpoint', version: info.harbor_version, min_version: min },
      );
    return info.harbor_version!;
  }

  listProjects(c: RegistryConnection, q: ListSlice & { q?: string }): Promise<ListResult<RegistryProject>> {
    return this.list<HarborProject, RegistryProject>(
      c,
      '/projects',
      q,
      { name: q.q, sort: 'name' },
      {},
      toProject,
    );
  }

  async getProject(c: RegistryConnection, project: string): Promise<RegistryProject> {
    return toProject(
      (await this.http.call<HarborProject>(c, 'GET', projectPath(project), { headers: byName })).body,
    );
  }

  async createProject(c: RegistryConnection, project: string, isPublic: boolean): Promise<void> {
    await this.http.call(c, 'POST', '/projects', {
      body: { project_name: project, metadata: { public: String(isPublic) } },
    });
  }

  async updateProject(c: RegistryConnection, project: string, patch: { public?: boolean }): Promise<void> {
    const metadata: Record<string, string> = {};
    if (patch.public !== undefined) metadata.public = String(patch.public);
    await this.http.call(c, 'PUT', projectPath(project), { headers: byName, body: { metadata } });
  }

  async deleteProject(c: RegistryConnection, project: string): Promise<void> {
    await this.http.call(c, 'DELETE', projectPath(project), { headers: byName });
  }

  listRepositories(
    c: RegistryConnection,
    project: string,
    q: ListSlice,
  ): Promise<ListResult<RegistryRepository>> {
    return this.list<HarborRepository, RegistryRepository>(
      c,
      `${projectPath(project)}/repositories`,
      q,
      {},
      {},
      (r) => toRepository(project, r),
    );
  }

  async deleteRepository(c: RegistryConnection, project: string, repository: string): Promise<void> {
    await this.http.call(c, 'DELETE', repoPath(project, repository));
  }

  listArtifacts(
    c: RegistryConnection,
    project: string,
    repository: string,
    q: ListSlice,
  ): Promise<ListResult<RegistryArtifact>> {
    return this.list<HarborArtifact, RegistryArtifact>(
      c,
      `${repoPath(project, repository)}/artifacts`,
      q,
      { with_tag: true },
      {},
      toArtifact,
    );
  }

  async getArtifact(
    c: RegistryConnection,
    project: string,
    repository: string,
    reference: string,
  ): Promise<RegistryArtifact> {
    const res = await this.http.call<HarborArtifact>(
      c,
      'GET',
      `${repoPath(project, repository)}/artifacts/${encodeURIComponent(reference)}`,
      { query: { with_tag: true } },
    );
    return toArtifact(res.body);
  }

  async deleteArtifact(
    c: RegistryConnection,
    project: string,
    repository: string,
    reference: string,
  ): Promise<void> {
    await this.http.call(
      c,
      'DELETE',
      `${repoPath(project, repository)}/artifacts/${encodeURIComponent(reference)}`,
    );
  }

  async createPullRobot(
    c: RegistryConnection,
    project: string,
    name: string,
    description: string,
  ): Promise<PullRobot> {
    const res = await this.http.call<{ id: number; name: string; secret: string; expires_at?: number }>(
      c,
      'POST',
      '/robots',
      {
        body: {
          name,
          description,
          level: 'project',
          duration: -1,
          disable: false,
          permissions: [
            { kind: 'project', namespace: project, access: [{ resource: 'repository', action: 'pull' }] },
          ],
        },
      },
    );
    const b = res.body;
    return {
      id: String(b.id),
      name: b.name,
      secret: b.secret,
      expires_at:
        b.expires_at === undefined || b.expires_at === -1
          ? null
          : new Date(b.expires_at * 1000).toISOString(),
    };
  }

  async deleteRobot(c: RegistryConnection, robotId: string): Promise<void> {
    await this.http.call(c, 'DELETE', `/robots/${encodeURIComponent(robotId)}`);
  }

  private async list<H, T>(
    c: RegistryConnection,
    path: string,
    slice: ListSlice,
    query: Record<string, string | number | boolean | undefined>,
    headers: Record<string, string>,
    map: (h: H) => T,
  ): Promise<ListResult<T>> {
    const { pageSize, first, last } = harborPagesFor(slice);
    const items: H[] = [];
    let total = 0;
    for (let p = first; p <= last; p++) {
      const res: HarborResponse<H[]> = await this.http.call<H[]>(c, 'GET', path, {
        query: { ...query, page: p, page_size: pageSize },
        headers,
      });
      const count = Number(res.headers['x-total-count']);
      total = Number.isFinite(count) ? count : items.length + res.body.length;
      items.push(...(Array.isArray(res.body) ? res.body : []));
      if (!parseLinkHeader(res.headers.link as string | undefined).next) break;
    }
    const skip = slice.offset - (first - 1) * pageSize;
    return { items: items.slice(skip, skip + slice.limit).map(map), total };
  }
}
