/**
 * Descriptions the OpenAPI document gives to parameters and schema properties whose decorators say
 * nothing (a decorator's own description always wins). Keys: `Schema.property` for one schema,
 * `*.property` for a name that means the same everywhere; parameters by `operationId.name` or `*.name`.
 */
export const PROPERTY_DESCRIPTIONS: Record<string, string> = {
  // Names that mean the same in every schema.
  '*.id': 'Id of the record (UUID)',
  '*.created_at': 'When the record was created (ISO 8601)',
  '*.updated_at': 'When the record last changed (ISO 8601)',
  '*.created_by': 'Id of the user who created it; null when not known',
  '*.cluster_id': 'Id of the cluster',
  '*.cluster_name': 'Name of the cluster',
  '*.registry_id': 'Id of the registry record',
  '*.credential_id': 'Id of the stored credential Berth talks to the vendor with',
  '*.latency_ms': 'How long the answer took, in milliseconds',
  '*.error': 'Why it failed (code and message); null when it did not',
  '*.last_error': 'The last failure the vendor or cluster reported; null when none',
  '*.description': 'Free-text description',
  '*.labels': 'Labels, key to value',
  '*.provider': 'The vendor',
  '*.settings': 'Non-secret settings of the provider',
  '*.secrets': 'Secret fields of the provider; write-only, never returned',
  '*.spec': 'What to create; the fields depend on the provider',
  '*.insecure_skip_tls_verify': 'Skip TLS verification of the server (admin only; for test setups)',
  '*.region': 'Vendor region of the cluster',
  '*.version': 'Version the server reports',
  '*.namespace': 'Kubernetes namespace',
  '*.autoscaling': 'Autoscaling bounds of the pool',
  '*.node_count': 'Nodes the cluster has; null when unknown',
  '*.ready_node_count': 'Nodes that are Ready; null when unknown',
  '*.truncated': 'True when the answer was cut at its limit (more exists)',
  '*.api_version': 'apiVersion of the objects',
  '*.kind': 'Kubernetes kind of the objects',
  '*.pushed_at': 'When it was pushed (ISO 8601)',
  '*.status': 'Current status',
  '*.name': 'Name',
  '*.password': 'Password (write-only, never returned)',
  '*.username': 'User name',
  '*.role':
    'Role preset: viewer (view on every cluster), operator (cluster-admin on every cluster), admin (admin), or none (explicit grants only)',
  '*.service_cidr': 'CIDR of Kubernetes Services',
  '*.pod_cidr': 'CIDR pods get their addresses from',
  '*.vpc_id': 'VPC of the cluster (vendor id)',
  '*.subnet_ids': 'Subnets of the cluster (vendor ids)',
  '*.node_pools': 'Node pools created with the cluster',
  '*.deletion_protection': 'Ask the vendor to refuse deleting the cluster',
  '*.endpoint': 'Base URL of the vendor or registry API',
  '*.tags': 'Tags of the artifact',
  '*.message': 'Human-readable message',
  // One schema.
  'ErrorEnvelopeDto.message': 'What went wrong, for a person',
  'OperationErrorDto.message': 'Why the operation failed',
  'OperationErrorDto.details': 'Details of the failure (e.g. the vendor’s error), when any',
  'OperationDto.type': 'What the operation does',
  'OperationDto.status': 'queued → running → succeeded or failed',
  'OperationDto.progress': 'Progress in percent',
  'OperationDto.target_type': 'Kind of record the operation works on (e.g. clusters)',
  'OperationDto.target_id': 'Id of the record the operation works on',
  'OperationDto.input': 'What the operation was asked to do (secrets left out)',
  'OperationDto.result': 'What the operation produced, once succeeded; null before',
  'OperationDto.error': 'Why the operation failed; null unless failed',
  'OperationDto.idempotency_key': 'The Idempotency-Key the request that started it sent; null when none',
  'OperationDto.started_at': 'When a worker started it; null while queued',
  'OperationDto.finished_at': 'When it succeeded or failed; null before',
  'AuditLogDto.occurred_at': 'When the request was made (ISO 8601)',
  'AuditLogDto.actor_id': 'Id of the user who made the request; null when anonymous',
  'AuditLogDto.action': 'What was done, e.g. "credentials.create"',
  'AuditLogDto.method': 'HTTP method of the request',
  'AuditLogDto.path': 'Path of the request',
  'AuditLogDto.target_type': 'Kind of record acted on, e.g. "credentials"',
  'AuditLogDto.target_id': 'Id of the record acted on, when known',
  'AuditLogDto.outcome': 'success or failure',
  'AuditLogDto.status_code': 'HTTP status of the answer',
  'AuditLogDto.request_id': 'Request id (X-Request-Id) of the request',
  'AuditLogDto.ip': 'Client address of the request',
  'UserDto.username': 'Login name',
  'UserDto.disabled': 'A disabled user cannot log in',
  'UserDto.last_login_at': 'When the user last logged in; null if never',
  'MeDto.username': 'Login name',
  'MeDto.disabled': 'A disabled user cannot log in',
  'MeDto.last_login_at': 'When the user last logged in; null if never',
  '*.subject_type': 'Kind of subject: user, group or API token',
  '*.subject_id': 'Id of the user, group or API token',
  '*.cluster_selector':
    'Kubernetes label selector over cluster labels; null when the scope is not a selector',
  '*.namespace_selector':
    'Kubernetes label selector over namespace labels; null when the scope is not a selector',
  'AccessReviewResultDto.allowed': 'Whether the subject may use the verb there',
  'AccessReviewResultDto.verb': 'The verb asked about',
  'AccessReviewDto.verb': 'The verb to ask about (see the role table)',
  'LoginResponseDto.token_type': 'Always "Bearer": send `Authorization: Bearer <access_token>`',
  'LoginResponseDto.user': 'The user who logged in',
  'SsoLoginResponseDto.token_type': 'Always "Bearer": send `Authorization: Bearer <access_token>`',
  'SsoLoginResponseDto.user': 'The user who signed in (provisioned at its first SSO login)',
  'GroupDto.member_count': 'Members, local and SSO-derived',
  'CreateGroupDto.mappings':
    'SSO groups whose members become members at their next login through that connector',
  'GroupMemberDto.user_id': 'The member’s user id',
  'GroupMemberDto.added_at': 'When the membership was created',
  'LoginDto.username': 'Login name',
  'AckSettings.region_id': 'Alibaba Cloud region, e.g. "cn-hangzhou"',
  'AckSecrets.access_key_id': 'Alibaba Cloud AccessKey id',
  'AckSecrets.access_key_secret': 'Alibaba Cloud AccessKey secret',
  'TkeSettings.region': 'Tencent Cloud region, e.g. "ap-guangzhou"',
  'TkeSecrets.secret_id': 'Tencent Cloud SecretId',
  'TkeSecrets.secret_key': 'Tencent Cloud SecretKey',
  'HarborSettings.endpoint': 'Harbor URL',
  'HarborSettings.username': 'Harbor user (or robot account) Berth acts as',
  'HarborSecrets.password': 'Password (or robot secret) of that user',
  'CredentialDto.name': 'Unique name of the credential',
  'CredentialDto.settings': 'Non-secret settings of the provider (secrets are never returned)',
  'ClusterDto.name': 'Unique name of the cluster',
  'ClusterDto.display_name': 'Name for people; null when not set',
  'ClusterDto.provider': 'Vendor that made the cluster, or "imported"',
  'ClusterDto.city': 'City the cluster is in; null when not set',
  'ClusterDto.district': 'District the cluster is in; null when not set',
  'ClusterDto.auth_type': 'How Berth authenticates to the cluster; null for a vendor cluster not yet running',
  'ClusterDto.version': 'Kubernetes version at the last probe; null before',
  'ClusterDto.last_probed_at': 'When Berth last probed the cluster; null if never',
  'ClusterDto.credential_id': 'Vendor credential of a vendor cluster; null for an imported cluster',
  'ClusterDto.region': 'Vendor region; null for an imported cluster',
  'ClusterDto.vendor_cluster_id': 'The vendor’s id of the cluster; null for an imported cluster',
  'AutoscalingDto.enabled': 'Whether the vendor scales the pool between the bounds',
  'AutoscalingDto.min_size': 'Fewest nodes',
  'AutoscalingDto.max_size': 'Most nodes (at least min_size)',
  'MachineConfigDto.name': 'Name of the machine template object',
  'ClusterHealthDto.status': 'active when the probe answered, unavailable when not',
  'ClusterHealthDto.version': 'Kubernetes version the cluster reports; null when unreachable',
  'ClusterHealthDto.probed_at': 'When the probe ran',
  'ClusterHealthDto.error': 'Why the probe failed; null when it answered',
  'ApiResourceDto.name': 'Plural resource name, as used in paths (e.g. deployments)',
  'ApiResourceDto.singular_name': 'Singular name',
  'ApiResourceDto.kind': 'Kubernetes kind',
  'ApiResourceDto.version': 'API group version (e.g. apps/v1)',
  'ApiResourceDto.namespaced': 'Whether objects of this type live in a namespace',
  'ApiResourceDto.verbs': 'Verbs the cluster serves for this type',
  'ApiResourceDto.short_names': 'Short names (e.g. deploy)',
  'ApiResourceDto.subresources': 'Subresources (e.g. status, scale)',
  'KubeObjectDto.apiVersion': 'apiVersion of the object',
  'KubeObjectDto.kind': 'Kind of the object',
  'ApplyResultDto.index': 'Position of the object in the manifest (from 0)',
  'ApplyResultDto.name': 'Name of the object',
  'ApplyResultDto.action': 'What apply did with the object',
  'ApplyResultDto.error': 'Why the object was not applied; null when it was',
  'ApplySummaryDto.dry_run': 'Whether nothing was persisted',
  'ApplySummaryDto.results': 'One result per object, in manifest order',
  'ApplySummaryDto.created': 'Objects created',
  'ApplySummaryDto.configured': 'Objects changed',
  'ApplySummaryDto.unchanged': 'Objects already as given',
  'ApplySummaryDto.failed': 'Objects not applied',
  'ResourceMetricsDto.name': 'Name of the node or pod',
  'ResourceMetricsDto.timestamp': 'When the usage was sampled',
  'ResourceMetricsDto.window': 'Over how long the usage was measured',
  'ResourceMetricsDto.usage': 'CPU and memory in use',
  'ResourceMetricsDto.containers': 'Usage per container (pods)',
  'CreateNamespaceDto.name': 'Name of the namespace (a DNS label)',
  'CreateNamespaceDto.labels': 'Labels of the namespace',
  'TaintDto.key': 'Taint key',
  'TaintDto.value': 'Taint value',
  'TaintDto.effect': 'NoSchedule, PreferNoSchedule or NoExecute',
  'LogLinesDto.pod': 'Name of the pod',
  'LogLinesDto.container': 'Container the lines are from; null for the pod’s only container',
  'LogLinesDto.lines': 'Log lines, oldest first',
  'ScaleDto.replicas': 'Replicas the workload should have',
  'FleetClusterResultDto.count': 'Objects this cluster returned',
  'FleetSummaryItemDto.status': 'How the cluster answered',
  'FleetSummaryItemDto.version': 'Kubernetes version; null when it did not answer',
  'FleetSummaryItemDto.nodes': 'Node counts of the cluster',
  'FleetSummaryItemDto.pods': 'Pod counts of the cluster',
  'NodePoolDto.name': 'Name of the pool',
  'NodePoolDto.status': 'State of the pool as the vendor reports it',
  'NodePoolDto.desired_size': 'Nodes the pool should have',
  'NodePoolDto.total_nodes': 'Nodes the pool has',
  'NodePoolDto.ready_nodes': 'Nodes of the pool that are ready',
  'NodePoolDto.instance_types': 'Vendor instance types of the pool',
  'RegistryDto.name': 'Unique name of the registry record',
  'RegistryDto.endpoint': 'Registry URL',
  'RegistryDto.credential_id': 'Credential Berth uses with the registry',
  'UpdateRegistryDto.endpoint': 'Registry URL',
  'RegistryComponentDto.name': 'Component of the registry',
  'RegistryComponentDto.status': 'Health of the component',
  'RegistryComponentDto.error': 'What the component reported wrong; null when healthy',
  'RegistryHealthDto.status': 'Overall health',
  'RegistryHealthDto.version': 'Registry version; null when unknown',
  'RegistryHealthDto.components': 'Health of each component',
  'RegistryHealthDto.checked_at': 'When the registry was asked',
  'ProjectDto.name': 'Project name',
  'ProjectDto.public': 'Anyone may pull from a public project',
  'ProjectDto.repository_count': 'Repositories in the project',
  'RepositoryDto.full_name': 'Repository name with its project ("project/name")',
  'RepositoryDto.artifact_count': 'Artifacts in the repository',
  'RepositoryDto.pull_count': 'Pulls of the repository',
  'TagDto.name': 'Tag name',
  'TagDto.immutable': 'Whether the tag may not be moved or deleted',
  'ArtifactDto.digest': 'Content digest (sha256:…)',
  'ArtifactDto.type': 'Artifact type (e.g. IMAGE, CHART)',
  'ArtifactDto.media_type': 'Manifest media type; null when unknown',
  'UsagePodDto.pod': 'Name of the pod',
  'UsagePodDto.node': 'Node the pod runs on; null when not scheduled',
  'UsagePodDto.phase': 'Pod phase; null when unknown',
  'UsageClusterDto.status': 'How the cluster answered',
  'ArtifactUsageDto.digest': 'The artifact digest asked about',
  'ArtifactUsageDto.tags': 'Tags of the artifact',
  'ArtifactUsageDto.pods': 'Pods running the artifact',
  'ImagePullSecretDto.name': 'Name of the Secret in the namespace',
  'ImagePullSecretDto.project': 'Registry project the Secret pulls from',
  'ImagePullSecretDto.robot_name': 'Robot account of the registry behind the Secret',
  'CreateImagePullSecretDto.registry_id': 'Registry record to pull from',
  'HealthDto.status': '"ok" when healthy',
  'HealthDto.checks': 'Each dependency and its state (readiness)',
};

export const PARAMETER_DESCRIPTIONS: Record<string, string> = {
  '*.type': 'Only items of this type',
  '*.status': 'Only items with this status',
  '*.target_type': 'Only items about this kind of record (e.g. clusters)',
  '*.target_id': 'Only items about this record id',
  '*.action': 'Only entries of this action (e.g. credentials.create)',
  '*.outcome': 'Only successes or only failures',
  '*.role': 'Only users with this role',
  '*.provider': 'Only items of this provider',
  '*.credential_id': 'Only registries using this credential',
  '*.sort': 'Sort key; a leading "-" sorts descending',
  '*.namespaced': 'Only namespaced (true) or cluster-scoped (false) types',
  '*.namespace': 'Only objects of this namespace',
  '*.involved_kind': 'Only events about objects of this kind',
  '*.involved_name': 'Only events about objects of this name',
  '*.involved_uid': 'Only events about the object with this uid',
  '*.label_selector': 'Kubernetes label selector, e.g. `app=web`',
  '*.tail_lines': 'Only the last N lines',
  '*.since_seconds': 'Only lines newer than this many seconds',
  '*.timestamps': 'Prefix each line with its RFC 3339 timestamp',
  '*.kind': 'Workload kind',
  'listEvents.type': 'Only Normal or only Warning events',
};

type Schema = Record<string, any>;

/** Fills missing descriptions of properties (per schema, then per name) and of parameters. */
export function describeDocument(doc: {
  paths: Record<string, Record<string, Schema>>;
  components?: { schemas?: Record<string, Schema> };
}): void {
  for (const [name, schema] of Object.entries(doc.components?.schemas ?? {}))
    for (const [prop, s] of Object.entries<Schema>(schema.properties ?? {})) {
      if (s.description) continue;
      const text = PROPERTY_DESCRIPTIONS[`${name}.${prop}`] ?? PROPERTY_DESCRIPTIONS[`*.${prop}`];
      if (!text) continue;
      // A bare $ref takes no siblings: wrap it so the description counts.
      if (s.$ref) schema.properties[prop] = { allOf: [{ $ref: s.$ref }], description: text };
      else s.description = text;
    }
  for (const item of Object.values(doc.paths))
    for (const op of Object.values(item)) {
      if (!op.description && OPERATION_DESCRIPTIONS[op.operationId])
        op.description = OPERATION_DESCRIPTIONS[op.operationId];
      for (const p of (op.parameters ?? []) as Schema[]) {
        if (p.description) continue;
        const text =
          PARAMETER_DESCRIPTIONS[`${op.operationId}.${p.name}`] ?? PARAMETER_DESCRIPTIONS[`*.${p.name}`];
        if (text) p.description = text;
      }
    }
}

/** Longer descriptions of operations whose decorators give only a summary (keyed by operation id). */
export const OPERATION_DESCRIPTIONS: Record<string, string> = {
  getSecretKeys:
    'For each kind of stored secret, how many are sealed under each key id of the ring; use it to see when an old key can be dropped after a rotation.',
  reencryptSecrets:
    'Starts an operation that reads every stored secret and seals it again under the first (active) key of `BERTH_ENCRYPTION_KEYS`. Poll the operation; 409 while one is already running.',
  listOperations:
    'Paginated, newest first; filter by type, status and the record an operation works on (`target_type`, `target_id`).',
  getOperation:
    'Poll this after a 202: `status` goes queued → running → succeeded or failed; `result` or `error` tell the outcome.',
  listAuditLogs:
    'Paginated, newest first: who did what (action, target), from where, with which HTTP status and request id. Filter by action, target and outcome.',
  login:
    'Answers `{access_token, token_type, expires_in, user}`. Wrong credentials are 401 (40101); too many failures for a user or address are 429 with Retry-After.',
  logout: 'The token is refused from now on; other tokens of the user stay valid.',
  getCurrentUser: 'The user record (id, username, role) of the bearer token.',
  listUsers: 'Paginated; filter by role and username substring (`q`).',
  createUser:
    'The username must be unused (409 otherwise); the password is stored hashed and never returned.',
  getUser: 'One user record (never its password).',
  updateUser:
    'A changed password, role or disabled flag revokes the user’s existing tokens. The last admin cannot be demoted or disabled (409).',
  deleteUser: 'You cannot delete yourself, nor the last admin (409).',
  listCredentials: 'Paginated; filter by provider and name substring. Secrets appear only as masked hints.',
  createCredential:
    'The body’s shape depends on `provider` (see the per-provider schemas): settings and secrets are validated for that vendor (400 names each bad field). The credential is not tried at the vendor until a cluster or registry uses it.',
  getCredential: 'Settings and masked secret hints; secrets are never returned.',
  updateCredential:
    'Settings and secrets are merged into the current ones, and the result must be valid for the credential’s provider. Secrets are write-only.',
  deleteCredential: 'Refused with 409 while a cluster or registry still refers to the credential.',
  listClusters:
    'Paginated cluster records; `status` is the last probe’s result ("stale" when not probed recently). Filter by provider, status, labels (`label=k=v,k2=v2`) and name; sort by name, created_at, status or version.',
  getCluster:
    'The record: name, labels, location, provider, last probe (version, nodes, error). Never its credential.',
  deleteCluster:
    'Without `destroy`, the record is removed and the cluster itself is left alone (200). With `destroy=true` on a vendor cluster, an operation deletes it at the vendor, then removes the record (202).',
  getClusterHealth:
    'Asks the API server now (version, node counts, latency), stores the outcome on the record and returns it; an unreachable cluster is reported in the body, not as an error.',
  getNodeMetrics:
    'Usage per node as metrics-server reports it (CPU cores and memory bytes, with the sampling window).',
  getPodMetrics:
    'Usage per pod and per container as metrics-server reports it; filter by namespace and label selector.',
  listNamespaces: 'The cluster’s namespaces, read live, paginated.',
  createNamespace: 'Creates the namespace in the cluster (409 when it exists).',
  getNamespace: 'One namespace, read live.',
  getNode: 'One node, read live (status, capacity, conditions).',
  updateNode:
    'Labels are merged (a null value removes one); `taints`, when given, replaces the node’s whole list. Give labels, taints or both.',
  removeNode:
    'Starts an operation: the node is cordoned and drained (evictions respecting PodDisruptionBudgets), then its instance is released at the vendor. Vendor clusters only (422 otherwise).',
  cordonNode: 'Marks the node unschedulable; running pods stay.',
  uncordonNode: 'Marks the node schedulable again.',
  listPods: 'Pods of the namespace, read live, paginated.',
  getPod: 'One pod, read live.',
  listWorkloads: 'Deployments or statefulsets (`kind`) of the namespace, read live, paginated.',
  getWorkload: 'One deployment or statefulset, read live.',
  scaleWorkload: 'Sets `spec.replicas` through the scale subresource and answers the resulting Scale object.',
  restartWorkload:
    'Sets the `kubectl.kubernetes.io/restartedAt` annotation on the pod template, so the workload rolls its pods.',
  getFleetSummary:
    'Every cluster is asked at once (bounded concurrency); a cluster that fails or times out has its status and error in its row instead of failing the request.',
  listNodePools:
    'Read from the vendor now; Berth’s pool records are brought up to date on the way. Vendor clusters only (422 for an imported one).',
  createNodePool:
    'Starts an operation that creates the pool at the vendor; poll it. Vendor clusters only (422 otherwise).',
  updateNodePool: 'Starts an operation at the vendor; the pool record follows when it is done.',
  deleteNodePool: 'Starts an operation that deletes the pool and its machines at the vendor.',
  listRegistries: 'Paginated; filter by provider, credential and name substring (`q`).',
  createRegistry:
    'Stores the record; `credential_id` must name a credential of the same provider (400 otherwise). The registry is asked only by the health and contents routes.',
  getRegistry: 'One registry record (never its credential’s secrets).',
  updateRegistry: 'Changes the record only; the registry itself is not touched.',
  deleteRegistry: 'Removes the record only; refused with 409 while image pull secrets use it.',
  getRegistryHealth: 'Asks the registry now: overall status, version and each component’s health.',
  listClusterImagePullSecrets: 'The image pull secrets Berth created in any namespace of the cluster.',
  listImagePullSecrets: 'The image pull secrets Berth created in this namespace.',
  deleteImagePullSecret: 'Deletes the Secret in the cluster and its robot account at the registry.',
  getLiveness: 'Answers 200 while the process runs; checks no dependency (use it as the liveness probe).',
  getReadiness:
    'Answers 200 when Postgres and Redis answer in time, 503 naming the failing check otherwise (use it as the readiness probe).',
  getMetrics:
    'Prometheus text format (not enveloped): HTTP requests and durations by route and status, and more.',
};
