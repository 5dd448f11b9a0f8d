// Schemas of the Harbor operations Berth calls, derived by hand from Harbor 2.11's published swagger
// (goharbor/harbor `api/v2.0/swagger.yaml`): only the operations src/registries/harbor uses, with the
// field names, types, required fields, parameters and statuses that file declares. The fidelity check
// (harbor-fidelity.ts) runs every recorded simulator exchange through them.
//
// The copy read: the search index holds one goharbor/harbor version of the file (b39a8bb, Harbor 2.0:
// `{project_name}` paths, 41 kB), so the 2.11 text was read from a fork that carries it unchanged:
// zyyw/harbor @ c901e2a44d14dec9eb530ec80313556ea4ee23da (300 kB). It is the 2.11 state: it has what
// 2.11 added (SBOM: `Artifact.sbom_overview`, `SBOMOverview`, `ScanRequestType`, `with_sbom_overview`,
// addition `sbom`) and none of what 2.12+ added (`ProjectMetadata.proxy_speed_kb`, `max_upstream_conn`,
// Robot `creator_type`/`creator_ref`, `PreheatPolicy.extra_attrs`, `AuditLogExt`), nor what 2.8/2.9
// removed (`chart_count`, `with_notary`, `Tag.signed`).

export const HARBOR_SWAGGER_SOURCE = {
  harbor: '2.11',
  file: 'api/v2.0/swagger.yaml',
  repository: 'zyyw/harbor (a goharbor/harbor fork)',
  commit: 'c901e2a44d14dec9eb530ec80313556ea4ee23da',
} as const;

export type Schema =
  | { $ref: string }
  | { type: 'string'; format?: 'date-time'; enum?: string[]; nullable?: boolean }
  | { type: 'integer'; nullable?: boolean }
  | { type: 'boolean'; nullable?: boolean }
  | { type: 'array'; items: Schema; nullable?: boolean }
  | {
      type: 'object';
      properties?: Record<string, Schema>;
      required?: string[];
      /** A map (swagger `additionalProperties`); without it, properties not listed are not Harbor's. */
      additionalProperties?: Schema | true;
      nullable?: boolean;
    };

const str: Schema = { type: 'string' };
const time: Schema = { type: 'string', format: 'date-time' };
const int: Schema = { type: 'integer' };
const bool: Schema = { type: 'boolean' };
const ref = (name: string): Schema => ({ $ref: name });
const arrayOf = (items: Schema): Schema => ({ type: 'array', items });
const obj = (properties: Record<string, Schema>, required?: string[]): Schema => ({
  type: 'object',
  properties,
  ...(required ? { required } : {}),
});

/**
 * The definitions those operations reach. go-swagger serialises empty slices as `null` unless the
 * property says `x-omitempty: false`, and `x-nullable` fields may be null: both are `nullable` here.
 */
export const DEFINITIONS: Record<string, Schema> = {
  Errors: obj({ errors: arrayOf(ref('Error')) }),
  Error: obj({ code: str, message: str }),
  OverallHealthStatus: obj({ status: str, components: arrayOf(ref('ComponentHealthStatus')) }),
  ComponentHealthStatus: obj({ name: str, status: str, error: str }),
  GeneralInfo: obj({
    banner_message: { type: 'string', nullable: true },
    current_time: { type: 'string', format: 'date-time', nullable: true },
    registry_url: { type: 'string', nullable: true },
    external_url: { type: 'string', nullable: true },
    auth_mode: { type: 'string', nullable: true },
    primary_auth_mode: { type: 'boolean', nullable: true },
    project_creation_restriction: { type: 'string', nullable: true },
    self_registration: { type: 'boolean', nullable: true },
    has_ca_root: { type: 'boolean', nullable: true },
    harbor_version: { type: 'string', nullable: true },
    registry_storage_provider_name: { type: 'string', nullable: true },
    read_only: { type: 'boolean', nullable: true },
    notification_enable: { type: 'boolean', nullable: true },
    authproxy_settings: { type: 'object', additionalProperties: true, nullable: true },
    oidc_provider_name: { type: 'string', nullable: true },
  }),
  ProjectReq: obj({
    project_name: str,
    public: { type: 'boolean', nullable: true },
    metadata: ref('ProjectMetadata'),
    cve_allowlist: ref('CVEAllowlist'),
    storage_limit: { type: 'integer', nullable: true },
    registry_id: { type: 'integer', nullable: true },
  }),
  Project: obj({
    project_id: int,
    owner_id: int,
    name: str,
    registry_id: int,
    creation_time: time,
    update_time: time,
    deleted: bool,
    owner_name: str,
    togglable: bool,
    current_user_role_id: int,
    current_user_role_ids: { type: 'array', items: int, nullable: true },
    repo_count: int,
    metadata: ref('ProjectMetadata'),
    cve_allowlist: ref('CVEAllowlist'),
  }),
  ProjectMetadata: obj({
    public: str,
    enable_content_trust: { type: 'string', nullable: true },
    enable_content_trust_cosign: { type: 'string', nullable: true },
    prevent_vul: { type: 'string', nullable: true },
    severity: { type: 'string', nullable: true },
    auto_scan: { type: 'string', nullable: true },
    auto_sbom_generation: { type: 'string', nullable: true },
    reuse_sys_cve_allowlist: { type: 'string', nullable: true },
    retention_id: { type: 'string', nullable: true },
  }),
  CVEAllowlist: obj({
    id: int,
    project_id: int,
    expires_at: { type: 'integer', nullable: true },
    items: { type: 'array', items: ref('CVEAllowlistItem'), nullable: true },
    creation_time: time,
    update_time: time,
  }),
  CVEAllowlistItem: obj({ cve_id: str }),
  Repository: obj({
    id: int,
    project_id: int,
    name: str,
    description: str,
    artifact_count: int,
    pull_count: int,
    creation_time: { type: 'string', format: 'date-time', nullable: true },
    update_time: time,
  }),
  Artifact: obj({
    id: int,
    type: str,
    media_type: str,
    manifest_media_type: str,
    project_id: int,
    repository_id: int,
    digest: str,
    size: int,
    icon: str,
    push_time: time,
    pull_time: time,
    extra_attrs: { type: 'object', additionalProperties: true, nullable: true },
    annotations: { type: 'object', additionalProperties: str, nullable: true },
    references: { type: 'array', items: ref('Reference'), nullable: true },
    tags: { type: 'array', items: ref('Tag'), nullable: true },
    addition_links: { type: 'object', additionalProperties: ref('AdditionLink'), nullable: true },
    labels: { type: 'array', items: ref('Label'), nullable: true },
    scan_overview: { type: 'object', additionalProperties: true, nullable: true },
    sbom_overview: ref('SBOMOverview'),
    accessories: { type: 'array', items: ref('Accessory'), nullable: true },
  }),
  Tag: obj({
    id: int,
    repository_id: int,
    artifact_id: int,
    name: str,
    push_time: time,
    pull_time: time,
    immutable: bool,
  }),
  AdditionLink: obj({ href: str, absolute: bool }),
  Reference: obj({
    parent_id: int,
    child_id: int,
    child_digest: str,
    platform: { type: 'object', additionalProperties: true },
    annotations: { type: 'object', additionalProperties: str, nullable: true },
    urls: { type: 'array', items: str, nullable: true },
  }),
  Label: obj({
    id: int,
    name: str,
    description: str,
    color: str,
    scope: str,
    project_id: int,
    creation_time: time,
    update_time: time,
  }),
  SBOMOverview: obj({
    start_time: time,
    end_time: time,
    scan_status: str,
    sbom_digest: str,
    report_id: str,
    duration: int,
  }),
  Accessory: obj({
    id: int,
    artifact_id: int,
    subject_artifact_id: int,
    subject_artifact_digest: str,
    subject_artifact_repo: str,
    size: int,
    digest: str,
    type: str,
    icon: str,
    creation_time: time,
  }),
  RobotCreate: obj({
    name: str,
    description: str,
    secret: str,
    level: str,
    disable: bool,
    duration: int,
    permissions: arrayOf(ref('RobotPermission')),
  }),
  RobotCreated: obj({ id: int, name: str, secret: str, creation_time: time, expires_at: int }),
  RobotPermission: obj({ kind: str, namespace: str, access: arrayOf(ref('Access')) }),
  Access: obj({ resource: str, action: str, effect: str }),
};

export interface ParamSpec {
  name: string;
  in: 'path' | 'query' | 'header';
  type: 'string' | 'integer' | 'boolean';
  required?: boolean;
  maximum?: number;
  minimum?: number;
}

export interface ResponseSpec {
  /** null: no body. */
  schema: Schema | null;
  /** Headers the operation declares for this status (e.g. Location on 201, X-Total-Count on lists). */
  headers?: string[];
}

export interface OperationSpec {
  operationId: string;
  method: string;
  /** Path under /api/v2.0 with `{param}` segments, as the swagger spells it. */
  path: string;
  params: ParamSpec[];
  /** The `in: body` parameter, if any. */
  body?: { schema: Schema; required: boolean };
  /** Every status the operation declares (errors carry `Errors`). */
  responses: Record<number, ResponseSpec>;
}

const requestId: ParamSpec = { name: 'X-Request-Id', in: 'header', type: 'string' };
const isResourceName: ParamSpec = { name: 'X-Is-Resource-Name', in: 'header', type: 'boolean' };
const query: ParamSpec = { name: 'q', in: 'query', type: 'string' };
const sort: ParamSpec = { name: 'sort', in: 'query', type: 'string' };
const page: ParamSpec = { name: 'page', in: 'query', type: 'integer', minimum: 1 };
const pageSize: ParamSpec = { name: 'page_size', in: 'query', type: 'integer', maximum: 100 };
const acceptVulnerabilities: ParamSpec = { name: 'X-Accept-Vulnerabilities', in: 'header', type: 'string' };
const path = (name: string, type: ParamSpec['type'] = 'string'): ParamSpec => ({
  name,
  in: 'path',
  type,
  required: true,
});
const q = (name: string, type: ParamSpec['type']): ParamSpec => ({ name, in: 'query', type });

const errors: ResponseSpec = { schema: ref('Errors') };
const ok: ResponseSpec = { schema: null };
const listed = (items: string): ResponseSpec => ({
  schema: arrayOf(ref(items)),
  headers: ['X-Total-Count', 'Link'],
});
const errs = (...codes: number[]): Record<number, ResponseSpec> =>
  Object.fromEntries(codes.map((c) => [c, errors]));

export const OPERATIONS: OperationSpec[] = [
  {
    operationId: 'getHealth',
    method: 'GET',
    path: '/health',
    params: [requestId],
    responses: { 200: { schema: ref('OverallHealthStatus') }, ...errs(500) },
  },
  {
    operationId: 'getSystemInfo',
    method: 'GET',
    path: '/systeminfo',
    params: [requestId],
    responses: { 200: { schema: ref('GeneralInfo') }, ...errs(500) },
  },
  {
    operationId: 'listProjects',
    method: 'GET',
    path: '/projects',
    params: [
      requestId,
      query,
      page,
      pageSize,
      sort,
      q('name', 'string'),
      q('public', 'boolean'),
      q('owner', 'string'),
      q('with_detail', 'boolean'),
    ],
    responses: { 200: listed('Project'), ...errs(401, 500) },
  },
  {
    operationId: 'createProject',
    method: 'POST',
    path: '/projects',
    params: [requestId, { name: 'X-Resource-Name-In-Location', in: 'header', type: 'boolean' }],
    body: { schema: ref('ProjectReq'), required: true },
    responses: { 201: { schema: null, headers: ['Location'] }, ...errs(400, 401, 409, 500) },
  },
  {
    operationId: 'getProject',
    method: 'GET',
    path: '/projects/{project_name_or_id}',
    params: [requestId, isResourceName, path('project_name_or_id')],
    responses: { 200: { schema: ref('Project') }, ...errs(401, 500) },
  },
  {
    operationId: 'updateProject',
    method: 'PUT',
    path: '/projects/{project_name_or_id}',
    params: [requestId, isResourceName, path('project_name_or_id')],
    body: { schema: ref('ProjectReq'), required: true },
    responses: { 200: ok, ...errs(400, 401, 403, 404, 500) },
  },
  {
    operationId: 'deleteProject',
    method: 'DELETE',
    path: '/projects/{project_name_or_id}',
    params: [requestId, isResourceName, path('project_name_or_id')],
    responses: { 200: ok, ...errs(400, 403, 404, 412, 500) },
  },
  {
    operationId: 'listRepositories',
    method: 'GET',
    path: '/projects/{project_name}/repositories',
    params: [requestId, path('project_name'), query, sort, page, pageSize],
    responses: { 200: listed('Repository'), ...errs(400, 401, 403, 404, 500) },
  },
  {
    operationId: 'deleteRepository',
    method: 'DELETE',
    path: '/projects/{project_name}/repositories/{repository_name}',
    params: [requestId, path('project_name'), path('repository_name')],
    responses: { 200: ok, ...errs(400, 401, 403, 404, 500) },
  },
  {
    operationId: 'listArtifacts',
    method: 'GET',
    path: '/projects/{project_name}/repositories/{repository_name}/artifacts',
    params: [
      requestId,
      path('project_name'),
      path('repository_name'),
      query,
      sort,
      page,
      pageSize,
      acceptVulnerabilities,
      q('with_tag', 'boolean'),
      q('with_label', 'boolean'),
      q('with_scan_overview', 'boolean'),
      q('with_sbom_overview', 'boolean'),
      q('with_signature', 'boolean'),
      q('with_immutable_status', 'boolean'),
      q('with_accessory', 'boolean'),
    ],
    responses: { 200: listed('Artifact'), ...errs(400, 401, 403, 404, 500) },
  },
  {
    operationId: 'getArtifact',
    method: 'GET',
    path: '/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}',
    params: [
      requestId,
      path('project_name'),
      path('repository_name'),
      path('reference'),
      page,
      pageSize,
      acceptVulnerabilities,
      q('with_tag', 'boolean'),
      q('with_label', 'boolean'),
      q('with_scan_overview', 'boolean'),
      q('with_accessory', 'boolean'),
      q('with_signature', 'boolean'),
      q('with_immutable_status', 'boolean'),
    ],
    responses: { 200: { schema: ref('Artifact') }, ...errs(400, 401, 403, 404, 500) },
  },
  {
    operationId: 'deleteArtifact',
    method: 'DELETE',
    path: '/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}',
    params: [requestId, path('project_name'), path('repository_name'), path('reference')],
    responses: { 200: ok, ...errs(401, 403, 404, 500) },
  },
  {
    operationId: 'CreateRobot',
    method: 'POST',
    path: '/robots',
    params: [requestId],
    body: { schema: ref('RobotCreate'), required: true },
    responses: {
      201: { schema: ref('RobotCreated'), headers: ['Location'] },
      ...errs(400, 401, 403, 404, 500),
    },
  },
  {
    operationId: 'DeleteRobot',
    method: 'DELETE',
    path: '/robots/{robot_id}',
    params: [requestId, path('robot_id', 'integer')],
    responses: { 200: ok, ...errs(400, 401, 403, 404, 500) },
  },
];
