/**
 * What Berth needs from an image registry, in Berth's own words. One implementation per vendor
 * (harbor/); services only ever see these types, never a vendor's field names.
 */

/** How to reach one registry: its API endpoint and the plaintext credential (never serialized). */
export interface RegistryConnection {
  /** Registry record id (for error details). */
  registryId: string;
  registryName: string;
  credentialName: string;
  endpoint: string;
  username: string;
  password: string;
  insecureSkipTlsVerify: boolean;
}

export interface ListSlice {
  offset: number;
  limit: number;
}

export interface ListResult<T> {
  items: T[];
  total: number;
}

export interface RegistryProject {
  name: string;
  vendor_id: string;
  public: boolean;
  repository_count: number;
  created_at: string | null;
  updated_at: string | null;
}

export interface RegistryRepository {
  /** Name inside its project ("team/api" for "<project>/team/api"). */
  name: string;
  /** "<project>/<name>", as `docker pull <host>/<full_name>` uses it. */
  full_name: string;
  artifact_count: number;
  pull_count: number;
  created_at: string | null;
  updated_at: string | null;
}

export interface RegistryTag {
  name: string;
  pushed_at: string | null;
  pulled_at: string | null;
  immutable: boolean;
}

export interface RegistryArtifact {
  digest: string;
  size: number;
  type: string | null;
  media_type: string | null;
  tags: RegistryTag[];
  pushed_at: string | null;
  pulled_at: string | null;
}

export interface RegistryHealth {
  status: 'healthy' | 'unhealthy';
  version: string | null;
  components: { name: string; status: string; error: string | null }[];
}

/** A pull-only robot account; `secret` is only known at creation. */
export interface PullRobot {
  id: string;
  name: string;
  secret: string;
  expires_at: string | null;
}

export interface RegistryProvider {
  readonly name: string;
  health(c: RegistryConnection): Promise<RegistryHealth>;
  /** Refuses (422) a registry whose version Berth cannot work with; answers the version it found. */
  checkSupported(c: RegistryConnection): Promise<string>;
  listProjects(c: RegistryConnection, q: ListSlice & { q?: string }): Promise<ListResult<RegistryProject>>;
  getProject(c: RegistryConnection, project: string): Promise<RegistryProject>;
  createProject(c: RegistryConnection, project: string, isPublic: boolean): Promise<void>;
  updateProject(c: RegistryConnection, project: string, patch: { public?: boolean }): Promise<void>;
  deleteProject(c: RegistryConnection, project: string): Promise<void>;
  listRepositories(
    c: RegistryConnection,
    project: string,
    q: ListSlice,
  ): Promise<ListResult<RegistryRepository>>;
  deleteRepository(c: RegistryConnection, project: string, repository: string): Promise<void>;
  listArtifacts(
    c: RegistryConnection,
    project: string,
    repository: string,
    q: ListSlice,
  ): Promise<ListResult<RegistryArtifact>>;
  /** One artifact by tag or digest. */
  getArtifact(
    c: RegistryConnection,
    project: string,
    repository: string,
    reference: string,
  ): Promise<RegistryArtifact>;
  deleteArtifact(
    c: RegistryConnection,
    project: string,
    repository: string,
    reference: string,
  ): Promise<void>;
  /** A robot account that may only pull from `project`, without expiry. */
  createPullRobot(
    c: RegistryConnection,
    project: string,
    name: string,
    description: string,
  ): Promise<PullRobot>;
  deleteRobot(c: RegistryConnection, robotId: string): Promise<void>;
}
