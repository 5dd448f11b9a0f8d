import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata.js';
import { ERROR_CODE_DESCRIPTIONS, ErrorCode } from './common/error-codes.js';
import { ERROR_EXAMPLES, ErrorEnvelopeDto } from './common/swagger.js';
import { addCommonResponses } from './common/swagger-contract.js';
import type { AppConfig } from './config/app-config.js';
import { describeDocument } from './openapi-descriptions.js';
import type { VendorClusterSpecDoc } from './credentials/credential-schema.js';
import { addKubeSchemas } from './kube/dto/kube-object.schemas.js';
import { addWatchResponses } from './live/watch/watch-swagger.js';
import { VENDOR_CREDENTIAL_SCHEMAS } from './providers/vendor-registry.js';

const DESCRIPTION = `One REST API for every Kubernetes cluster, whatever vendor made it.

**Envelope.** Every JSON response is \`{"code": 0, "message": "ok", "data": …}\`. Lists are paginated:
\`data\` is \`{"cur_page", "cur_page_size", "total", "total_page", "data": [...]}\`, with query parameters
\`page\` (from 1) and \`page_size\` (default 20, max 500).

**Errors** carry an honest HTTP status and \`{"code", "message", "data", "request_id"}\`; the code refines the status.
A validation error is 400 code 40001 with \`data.fields: [{"field", "errors": [...]}]\`, one entry per bad field:

| code | meaning |
|---|---|
${Object.entries(ERROR_CODE_DESCRIPTIONS)
  .map(([code, text]) => `| ${code} | ${text} |`)
  .join('\n')}

**Auth.** \`POST /api/v1/auth/login\` returns a JWT and a refresh token (\`POST /api/v1/auth/refresh\`); send the JWT
as \`Authorization: Bearer <token>\`. Machine clients use API tokens (\`POST /api/v1/tokens\`, \`berth_pat_…\`) the same way.
What a caller may do is given by **grants** (\`/api/v1/grants\`): a role (view, edit, exec, reveal-secrets,
cluster-admin, admin) on all clusters, some, or a label selector, optionally limited to namespaces. Each operation
names the verb it needs (\`x-berth-verb\`); a cluster or namespace outside the caller's grants answers 404, a
visible one where the role lacks the verb 403.

**Long-running work** answers \`202 Accepted\` with an operation; poll \`GET /api/v1/operations/{id}\`.
Send \`Idempotency-Key\` to make retries safe.`;

/** The tags in the order a new user meets them, each with what it is for. */
export const TAGS: { name: string; description: string }[] = [
  {
    name: 'auth',
    description: 'Log in (a JWT) with a password, OIDC or LDAP (single sign-on), log out, and who you are.',
  },
  {
    name: 'clusters',
    description:
      'Cluster records: import an existing cluster (kubeconfig or server + token) or create one at a vendor (ACK, TKE, Rancher), list, relabel, probe, detach or destroy.',
  },
  {
    name: 'live resources',
    description:
      'Kubernetes objects read and changed live in one cluster: any resource type, namespaces, pods and their logs, deployments and statefulsets, events, metrics, server-side apply.',
  },
  {
    name: 'live sessions',
    description:
      'A shell in a container, attach, and port-forward: WebSocket sessions speaking Kubernetes’ own channel subprotocols, audited from start to end.',
  },
  {
    name: 'kubectl through Berth',
    description:
      'One kubeconfig for every cluster you may see; kubectl, k9s and Lens then talk to /k8s/clusters/<id> through Berth’s authentication, grants and audit.',
  },
  {
    name: 'fleet',
    description: 'One question asked of every cluster at once: a summary, or a resource type.',
  },
  {
    name: 'nodes',
    description: 'Nodes of a cluster: list, read, label and taint, cordon and uncordon, drain and remove.',
  },
  {
    name: 'node pools',
    description:
      'Vendor lifecycle of a vendor cluster’s machines: node pools as the vendor reports them; create, resize, autoscale and delete them (operations).',
  },
  { name: 'registries', description: 'Image registry records (Harbor) and their health.' },
  {
    name: 'registry contents',
    description: 'What a registry holds: projects, repositories, artifacts, and which pods run an artifact.',
  },
  {
    name: 'image pull secrets',
    description:
      'Pull access from a cluster namespace to a registry project: a robot account and the Secret Berth installs.',
  },
  {
    name: 'operations',
    description:
      'Long-running work (create, destroy, node pools, drains, key rotation): poll its status here.',
  },
  { name: 'users', description: 'Admin: Berth users and their role presets.' },
  {
    name: 'access',
    description:
      'Who may do what, where. Admin: grants (a role on a scope of clusters and namespaces, for a user, group or API token), groups and their SSO mappings, access reviews; everyone: “may I?” (auth/me/access-review).',
  },
  {
    name: 'tokens',
    description:
      'API tokens (`berth_pat_…`) for machine clients, each with its own grants within its creator’s; service accounts that hold them.',
  },
  {
    name: 'credentials',
    description:
      'Admin: vendor credentials (settings and encrypted, write-only secrets), one shape per provider.',
  },
  { name: 'secrets', description: 'Admin: the encryption key ring of stored secrets, and key rotation.' },
  { name: 'audit', description: 'Admin: the audit log of every mutating request.' },
  { name: 'health', description: 'Liveness, readiness and Prometheus metrics (for probes and scrapers).' },
];

/** Operation ids a person would write, keyed by `Controller.method` (stable: clients are generated from them). */
export const OPERATION_IDS: Record<string, string> = {
  'AuthController.login': 'login',
  'AuthController.logout': 'logout',
  'AuthController.me': 'getCurrentUser',
  'GrantsController.list': 'listGrants',
  'GrantsController.create': 'createGrant',
  'GrantsController.get': 'getGrant',
  'GrantsController.remove': 'deleteGrant',
  'GrantsController.review': 'reviewAccess',
  'GrantsController.reviewSelf': 'reviewMyAccess',
  'AuthController.refresh': 'refreshSession',
  'ApiTokensController.create': 'createToken',
  'ApiTokensController.list': 'listTokens',
  'ApiTokensController.get': 'getToken',
  'ApiTokensController.revoke': 'revokeToken',
  'ApiTokensController.rotate': 'rotateToken',
  'ServiceAccountsController.create': 'createServiceAccount',
  'ServiceAccountsController.list': 'listServiceAccounts',
  'ServiceAccountsController.get': 'getServiceAccount',
  'ServiceAccountsController.remove': 'deleteServiceAccount',
  'GroupsController.list': 'listGroups',
  'GroupsController.create': 'createGroup',
  'GroupsController.get': 'getGroup',
  'GroupsController.update': 'updateGroup',
  'GroupsController.remove': 'deleteGroup',
  'GroupsController.members': 'listGroupMembers',
  'GroupsController.addMember': 'addGroupMember',
  'GroupsController.removeMember': 'removeGroupMember',
  'SsoController.oidcLogin': 'startOidcLogin',
  'SsoController.oidcCallback': 'finishOidcLogin',
  'SsoController.oidcToken': 'exchangeOidcToken',
  'SsoController.ldapLogin': 'ldapLogin',
  'UsersController.list': 'listUsers',
  'UsersController.create': 'createUser',
  'UsersController.get': 'getUser',
  'UsersController.update': 'updateUser',
  'UsersController.remove': 'deleteUser',
  'CredentialsController.list': 'listCredentials',
  'CredentialsController.create': 'createCredential',
  'CredentialsController.get': 'getCredential',
  'CredentialsController.update': 'updateCredential',
  'CredentialsController.remove': 'deleteCredential',
  'ClustersController.list': 'listClusters',
  'ClustersController.create': 'createCluster',
  'ClustersController.import': 'importCluster',
  'ClustersController.get': 'getCluster',
  'ClustersController.update': 'updateCluster',
  'ClustersController.detach': 'deleteCluster',
  'ClustersController.health': 'getClusterHealth',
  'ResourcesController.apiResources': 'listApiResources',
  'ResourcesController.list': 'listResources',
  'ResourcesController.get': 'getResource',
  'ResourcesController.remove': 'deleteResource',
  'ResourcesController.listEvents': 'listEvents',
  'ResourcesController.applyManifest': 'applyManifest',
  'ResourcesController.nodeMetrics': 'getNodeMetrics',
  'ResourcesController.podMetrics': 'getPodMetrics',
  'WorkloadsController.namespaces': 'listNamespaces',
  'WorkloadsController.createNamespace': 'createNamespace',
  'WorkloadsController.namespace': 'getNamespace',
  'WorkloadsController.node': 'getNode',
  'WorkloadsController.updateNode': 'updateNode',
  'WorkloadsController.cordon': 'cordonNode',
  'WorkloadsController.uncordon': 'uncordonNode',
  'WorkloadsController.pods': 'listPods',
  'WorkloadsController.pod': 'getPod',
  'WorkloadsController.podLogs': 'getPodLogs',
  'WorkloadsController.workloadList': 'listWorkloads',
  'WorkloadsController.workload': 'getWorkload',
  'WorkloadsController.scale': 'scaleWorkload',
  'WorkloadsController.restart': 'restartWorkload',
  'FleetController.resources': 'listFleetResources',
  'FleetController.summary': 'getFleetSummary',
  'NodePoolsController.listNodes': 'listNodes',
  'NodePoolsController.removeNode': 'removeNode',
  'NodePoolsController.list': 'listNodePools',
  'NodePoolsController.create': 'createNodePool',
  'NodePoolsController.resize': 'updateNodePool',
  'NodePoolsController.remove': 'deleteNodePool',
  'RegistriesController.list': 'listRegistries',
  'RegistriesController.create': 'createRegistry',
  'RegistriesController.get': 'getRegistry',
  'RegistriesController.update': 'updateRegistry',
  'RegistriesController.remove': 'deleteRegistry',
  'RegistriesController.health': 'getRegistryHealth',
  'RegistryContentsController.listProjects': 'listRegistryProjects',
  'RegistryContentsController.createProject': 'createRegistryProject',
  'RegistryContentsController.getProject': 'getRegistryProject',
  'RegistryContentsController.updateProject': 'updateRegistryProject',
  'RegistryContentsController.deleteProject': 'deleteRegistryProject',
  'RegistryContentsController.listRepositories': 'listRegistryRepositories',
  'RegistryContentsController.deleteRepository': 'deleteRegistryRepository',
  'RegistryContentsController.listArtifacts': 'listRegistryArtifacts',
  'RegistryContentsController.deleteArtifact': 'deleteRegistryArtifact',
  'RegistryContentsController.usage': 'getArtifactUsage',
  'ImagePullSecretsController.listAll': 'listClusterImagePullSecrets',
  'ImagePullSecretsController.list': 'listImagePullSecrets',
  'ImagePullSecretsController.create': 'createImagePullSecret',
  'ImagePullSecretsController.remove': 'deleteImagePullSecret',
  'OperationsController.list': 'listOperations',
  'OperationsController.get': 'getOperation',
  'OperationEventsController.events': 'streamOperationEvents',
  'SecretsController.keys': 'getSecretKeys',
  'SecretsController.reencrypt': 'reencryptSecrets',
  'AuditController.list': 'listAuditLogs',
  'HealthController.healthz': 'getLiveness',
  'HealthController.readyz': 'getReadiness',
  'MetricsController.scrape': 'getMetrics',
};

/** The id of a route: its explicit name, else `<method><Controller base>` (e.g. `listWidgets`). */
export function operationId(controllerKey: string, methodKey: string): string {
  return (
    OPERATION_IDS[`${controllerKey}.${methodKey}`] ??
    `${methodKey}${controllerKey.replace(/Controller$/, '')}`
  );
}

const UUID = '3f1c2a4e-9b1d-4c7e-8f2a-5d6b7c8e9f01';
const KUBECONFIG_EXAMPLE = `apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster: {server: "https://10.0.0.1:6443", certificate-authority-data: "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t"}
users:
- name: berth
  user: {token: "eyJhbGciOiJSUzI1NiIsImtpZCI6ImV4YW1wbGUifQ.e30.c2lnbmF0dXJl"}
contexts:
- name: prod
  context: {cluster: prod, user: berth}
current-context: prod
`;

type Example = { summary: string; value: Record<string, unknown> };
const one = (summary: string, value: Record<string, unknown>) => ({ default: { summary, value } });

/** Request bodies that pass validation, per operation (vendor-specific ones come from each vendor). */
function requestExamples(): Record<string, Record<string, Example>> {
  const vendors = VENDOR_CREDENTIAL_SCHEMAS;
  return {
    login: one('Log in', { username: 'admin', password: 'change-me-please' }),
    refreshSession: one('The refresh token of the last answer', {
      refresh_token: 'berth_rt_Qm3x0Vb7LkT2sN9pWc4YhJd8AeGr1uKo5fZq6t8R2e',
    }),
    // Expiry 30 days after the document was built, so the example stays valid to send.
    createToken: one('A portal token that reads staging clusters', {
      name: 'portal-staging',
      expires_at: new Date(Date.now() + 30 * 24 * 3600 * 1000).toISOString().replace(/\.\d+Z$/, 'Z'),
      grants: [{ role: 'view', cluster_selector: 'env=staging' }],
    }),
    rotateToken: one('A new secret valid 30 more days', {
      expires_at: new Date(Date.now() + 30 * 24 * 3600 * 1000).toISOString().replace(/\.\d+Z$/, 'Z'),
    }),
    createServiceAccount: one('A portal’s account', { name: 'portal-bot' }),
    createUser: one('A viewer', { username: 'alice', password: 'a-long-password', role: 'viewer' }),
    updateUser: one('Promote and keep enabled', { role: 'operator', disabled: false }),
    createGrant: one('A team edits its namespace on staging clusters', {
      subject_type: 'group',
      subject_id: '7d1f3c2e-5a4b-4c6d-8e9f-0a1b2c3d4e5f',
      role: 'edit',
      cluster_selector: 'env=staging',
      namespaces: ['payments'],
      description: 'Payments team on staging',
    }),
    reviewAccess: one('May this user apply in payments?', {
      subject_type: 'user',
      subject_id: '0b5e2a7c-3d1f-4e6a-9b8c-7d6e5f4a3b2c',
      verb: 'objects.write',
      cluster_id: '3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c',
      namespace: 'payments',
    }),
    reviewMyAccess: one('May I restart workloads in payments?', {
      verb: 'objects.write',
      cluster_id: '3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c',
      namespace: 'payments',
    }),
    createGroup: one('A group that SSO groups map to', {
      name: 'platform',
      description: 'Runs the staging clusters',
      mappings: [
        { connector: 'oidc', external_group: 'platform-team' },
        { connector: 'ldap', external_group: 'cn=platform,ou=groups,dc=example,dc=com' },
      ],
    }),
    updateGroup: one('Replace the mappings', {
      description: null,
      mappings: [{ connector: 'oidc', external_group: 'platform-team' }],
    }),
    exchangeOidcToken: one('An ID token of the issuer', {
      token: 'eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlIn0.c2ln',
    }),
    ldapLogin: one('A directory account', { username: 'alice', password: 'directory-password' }),
    createCredential: Object.fromEntries(
      vendors.map((v) => [
        v.provider,
        {
          summary: `A ${v.provider} credential`,
          value: { provider: v.provider, ...v.example },
        },
      ]),
    ),
    updateCredential: one('Rename and describe', { name: 'ack-prod-2', description: 'Rotated in March' }),
    createCluster: Object.fromEntries(
      vendors.flatMap((v) =>
        'cluster_spec' in v && v.cluster_spec
          ? [
              [
                v.provider,
                {
                  summary: `A ${v.provider} cluster`,
                  value: { provider: v.provider, credential_id: UUID, ...v.cluster_spec.example },
                },
              ],
            ]
          : [],
      ),
    ),
    importCluster: {
      kubeconfig: {
        summary: 'By kubeconfig',
        value: {
          name: 'prod-hz',
          display_name: 'Production (Hangzhou)',
          labels: { env: 'prod' },
          kubeconfig: KUBECONFIG_EXAMPLE,
        },
      },
      token: {
        summary: 'By server + token',
        value: {
          name: 'staging-hz',
          server: 'https://10.0.0.2:6443',
          token: 'eyJhbGciOiJSUzI1NiIsImtpZCI6ImV4YW1wbGUifQ.e30.c2lnbmF0dXJl',
          ca_data: 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t',
        },
      },
    },
    updateCluster: one('Relabel and relocate', {
      display_name: 'Production (Hangzhou)',
      labels: { env: 'prod', team: 'payments' },
      city: 'Hangzhou',
      district: 'Xihu',
    }),
    applyManifest: one('A ConfigMap, dry run', {
      manifest: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: demo}\ndata: {a: "1"}\n',
      namespace: 'default',
      dry_run: true,
    }),
    createNamespace: one('A namespace', { name: 'payments', labels: { team: 'payments' } }),
    updateNode: one('Label a GPU node, remove a label', {
      labels: { 'node-role/gpu': 'true', old: null },
    }),
    scaleWorkload: one('Three replicas', { replicas: 3 }),
    createNodePool: one('Three workers', {
      name: 'workers',
      desired_size: 3,
      instance_types: ['ecs.g7.xlarge'],
    }),
    updateNodePool: one('Resize to five', { desired_size: 5 }),
    createRegistry: one('A Harbor', {
      name: 'harbor-prod',
      provider: 'harbor',
      endpoint: 'https://harbor.example.com',
      credential_id: UUID,
    }),
    updateRegistry: one('Describe it', { description: 'Main registry' }),
    createRegistryProject: one('A private project', { name: 'team-a', public: false }),
    updateRegistryProject: one('Make it public', { public: true }),
    createImagePullSecret: one('Pull from team-a', { registry_id: UUID, project: 'team-a' }),
  };
}

type Schema = Record<string, any>;
type Doc = OpenAPIObject & { components: { schemas: Record<string, Schema> } };
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
/** `over` laid on a property schema (a bare `$ref` is wrapped so its new siblings count). */
const narrow = (prop: Schema | undefined, over: Schema): Schema =>
  prop?.$ref ? { allOf: [{ $ref: prop.$ref }], ...over } : { ...prop, ...over };

/**
 * Writes class-validator's rules into the schemas of the classes they decorate (pattern, lengths, bounds,
 * enums), so the document states what the 400s enforce. Only fills what a schema does not say already.
 */
function applyValidationRules(doc: Doc): void {
  const storage = getMetadataStorage() as unknown as {
    validationMetadatas: Map<new (...args: never[]) => unknown, ValidationMetadata[]>;
  };
  for (const target of storage.validationMetadatas.keys()) {
    const schema = doc.components.schemas[target.name];
    if (!schema?.properties) continue;
    const metas = getMetadataStorage().getTargetValidationMetadatas(target, '', true, false);
    for (const m of metas) {
      const prop = schema.properties[m.propertyName] as Schema | undefined;
      if (!prop || prop.$ref || prop.allOf) continue;
      const into: Schema | undefined = m.each ? (prop.type === 'array' ? prop.items : undefined) : prop;
      if (!into || into.$ref) continue;
      const c = m.constraints ?? [];
      const set = (k: string, v: unknown) => {
        if (into[k] === undefined) into[k] = v;
      };
      switch (m.name) {
        case 'matches':
          if (c[0] instanceof RegExp && !c[0].flags) set('pattern', c[0].source);
          else if (typeof c[0] === 'string' && !c[1]) set('pattern', c[0]);
          break;
        case 'maxLength':
          set('maxLength', c[0]);
          break;
        case 'minLength':
          set('minLength', c[0]);
          break;
        case 'min':
          set('minimum', c[0]);
          break;
        case 'max':
          set('maximum', c[0]);
          break;
        case 'arrayMaxSize':
          set('maxItems', c[0]);
          break;
        case 'arrayMinSize':
          set('minItems', c[0]);
          break;
        case 'isIn':
          if (Array.isArray(c[0])) set('enum', c[0]);
          break;
        case 'isUuid':
          set('format', 'uuid');
          break;
        case 'isUrl':
          set('format', 'uri');
          break;
        case 'isInt':
          if (into.type === 'number') into.type = 'integer';
          break;
      }
    }
  }
}

/** A bare `allOf: [one]` → the one schema (with siblings, e.g. a description, the wrapper stays: it carries them). */
function flattenSingleAllOf(node: unknown): void {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) return node.forEach(flattenSingleAllOf);
  const o = node as Schema;
  if (Array.isArray(o.allOf) && o.allOf.length === 1 && Object.keys(o).length === 1) {
    const [only] = o.allOf as Schema[];
    delete o.allOf;
    Object.assign(o, only);
  }
  for (const v of Object.values(o)) flattenSingleAllOf(v);
}

/** Per-provider create schemas with `provider` as discriminator: credentials and vendor clusters. */
function discriminateByProvider(doc: Doc): void {
  const schemas = doc.components.schemas;
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

  // Credentials: settings and secrets of the provider named.
  const cred = schemas.CreateCredentialDto;
  const credMapping: Record<string, string> = {};
  for (const v of VENDOR_CREDENTIAL_SCHEMAS) {
    const name = `Create${cap(v.provider)}Credential`;
    const s = clone(cred);
    s.description = `A ${v.provider} credential`;
    s.properties.provider = { type: 'string', enum: [v.provider], description: 'The vendor' };
    s.properties.settings = {
      allOf: [ref(v.settings.name)],
      description: `Non-secret settings of a ${v.provider} credential`,
    };
    s.properties.secrets = {
      allOf: [ref(v.secrets.name)],
      description: `Secret fields of a ${v.provider} credential; write-only, never returned`,
    };
    s.example = { provider: v.provider, ...v.example };
    schemas[name] = s;
    credMapping[v.provider] = ref(name).$ref;
  }
  schemas.CreateCredentialDto = {
    description: 'A vendor credential; `provider` decides the shape of `settings` and `secrets`',
    oneOf: Object.values(credMapping).map(($ref) => ({ $ref })),
    discriminator: { propertyName: 'provider', mapping: credMapping },
  };
  const vendorList = VENDOR_CREDENTIAL_SCHEMAS.map(
    (v) => `${v.provider}: ${v.settings.name} / ${v.secrets.name}`,
  ).join('; ');
  const upd = schemas.UpdateCredentialDto;
  upd.properties.settings = {
    type: 'object',
    additionalProperties: true,
    description: `Settings to change, merged into the current ones; the result must be valid for the credential’s provider (${vendorList})`,
  };
  upd.properties.secrets = {
    type: 'object',
    additionalProperties: true,
    writeOnly: true,
    description: 'Secret fields to replace, merged into the current ones (write-only)',
  };

  // Vendor clusters: the spec each provider needs.
  const create = schemas.CreateClusterDto;
  const spec = schemas.ClusterSpecDto;
  const pool = schemas.NodePoolSpecDto;
  const clusterMapping: Record<string, string> = {};
  for (const v of VENDOR_CREDENTIAL_SCHEMAS) {
    const doc2 = ('cluster_spec' in v ? v.cluster_spec : undefined) as VendorClusterSpecDoc | undefined;
    if (!doc2) continue;
    const P = cap(v.provider);
    const s = clone(spec);
    s.description = doc2.description;
    if (doc2.required) s.required = [...new Set([...(s.required ?? []), ...doc2.required])];
    for (const [k, over] of Object.entries(doc2.properties ?? {}))
      s.properties[k] = narrow(s.properties[k], over);
    if (doc2.node_pool) {
      const p = clone(pool);
      if (doc2.node_pool.required)
        p.required = [...new Set([...(p.required ?? []), ...doc2.node_pool.required])];
      for (const [k, over] of Object.entries(doc2.node_pool.properties ?? {}))
        p.properties[k] = narrow(p.properties[k], over);
      schemas[`${P}NodePoolSpec`] = p;
      s.properties.node_pools = { ...s.properties.node_pools, items: ref(`${P}NodePoolSpec`) };
    }
    if (doc2.node_pools) s.properties.node_pools = { ...s.properties.node_pools, ...doc2.node_pools };
    schemas[`${P}ClusterSpec`] = s;
    const c = clone(create);
    c.description = `Create a ${v.provider} cluster`;
    c.properties.provider = { type: 'string', enum: [v.provider], description: 'The vendor' };
    c.properties.spec = { allOf: [ref(`${P}ClusterSpec`)], description: `What ${v.provider} creates` };
    c.example = { provider: v.provider, credential_id: UUID, ...doc2.example };
    schemas[`Create${P}Cluster`] = c;
    clusterMapping[v.provider] = ref(`Create${P}Cluster`).$ref;
  }
  schemas.CreateClusterDto = {
    description: 'A cluster to create at a vendor; `provider` decides what `spec` needs',
    oneOf: Object.values(clusterMapping).map(($ref) => ({ $ref })),
    discriminator: { propertyName: 'provider', mapping: clusterMapping },
  };
  // The vendor-neutral spec is now only the base of the vendors' ones.
  delete schemas.ClusterSpecDto;
  if (!JSON.stringify(doc).includes('"#/components/schemas/NodePoolSpecDto"')) delete schemas.NodePoolSpecDto;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const;

/** Turns Nest's generated document into the contract clients are generated from. */
export function finishDocument(doc: Doc, config: Pick<AppConfig, 'public_url'>): Doc {
  doc.servers = [{ url: config.public_url, description: 'This Berth (BERTH_PUBLIC_URL)' }];
  doc.info.license = {
    name: 'Proprietary (UNLICENSED): no licence is granted',
    url: 'https://docs.npmjs.com/cli/v10/configuring-npm/package-json#license',
  };
  doc.tags = TAGS;
  applyValidationRules(doc);
  discriminateByProvider(doc);
  describeDocument(doc as unknown as Parameters<typeof describeDocument>[0]);
  const examples = requestExamples();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      // Public routes say so (no bearer token needed); protected ones name the least role they need.
      op.security ??= [];
      const role = (op as Schema)['x-berth-role'] as string | undefined;
      const verb = (op as Schema)['x-berth-verb'] as string | undefined;
      const scope = (op as Schema)['x-berth-scope'] as string | undefined;
      const where: Record<string, string> = {
        namespace: 'in the namespace',
        cluster: 'on the cluster (a grant limited to some of its namespaces counts)',
        'cluster-wide': 'on the whole cluster (a grant without a namespace limit)',
        fleet: 'somewhere; the answer covers only the clusters and namespaces the grants reach',
        global: 'in any grant',
        'new-cluster': 'on a scope the new cluster’s labels fall in',
      };
      const access = verb
        ? `Needs a bearer token (login or API token) whose grants give **${verb}** ${where[scope ?? ''] ?? ''} — the **${role}** role or a stronger one. No grant there at all: 404, as if it did not exist.`
        : role
          ? 'Needs a bearer token (login or API token); any signed-in caller.'
          : 'Public: no token needed.';
      op.description = op.description ? `${op.description}\n\n${access}` : access;
      // All node routes in one tag, whichever controller serves them.
      if (/^\/api\/v1\/clusters\/\{id\}\/nodes(\/|$)/.test(path)) op.tags = ['nodes'];
      // Filters carry no example (Swagger "Try it out" would send it and silently filter).
      for (const p of (op.parameters ?? []) as Schema[]) {
        if (p.in !== 'query') continue;
        delete p.example;
        delete p.examples;
        if (p.schema) delete p.schema.example;
      }
      // Every route can answer 408 (request not received in time) and the others its controller lists.
      const responses = op.responses as Record<string, Schema>;
      if (!Object.keys(responses).some((s) => s.startsWith('4')))
        responses['408'] = {
          description: 'The request was not received in time',
          content: {
            'application/json': {
              schema: { $ref: `#/components/schemas/${ErrorEnvelopeDto.name}` },
              example: ERROR_EXAMPLES[408],
            },
          },
        };
      // Logging in answers 401 for a wrong password, not for a missing token.
      if (op.operationId === 'login' && responses['401']?.content)
        responses['401'].content['application/json'].example = {
          ...ERROR_EXAMPLES[401],
          code: ErrorCode.INVALID_CREDENTIALS,
          message: 'Wrong username or password',
        };
      const json = (op.requestBody as Schema | undefined)?.content?.['application/json'];
      const ex = op.operationId ? examples[op.operationId] : undefined;
      if (json && ex) json.examples = ex;
    }
  }
  // /metrics answers Prometheus' text format, not JSON (its controller only says "produces text/plain").
  const metrics = doc.paths['/metrics']?.get;
  if (metrics && !(metrics.responses['200'] as Schema | undefined)?.content)
    metrics.responses['200'] = {
      description: 'Prometheus text exposition format 0.0.4 (not enveloped)',
      content: {
        'text/plain': {
          schema: { type: 'string' },
          example:
            '# HELP berth_http_requests_total HTTP requests\n# TYPE berth_http_requests_total counter\n' +
            'berth_http_requests_total{method="GET",route="/api/v1/clusters",status="200"} 3\n',
        },
      },
    };
  flattenSingleAllOf(doc.components);
  flattenSingleAllOf(doc.paths);
  return doc;
}

export function setupSwagger(app: NestFastifyApplication, config: Pick<AppConfig, 'public_url'>): void {
  const builder = new DocumentBuilder()
    .setTitle('Berth API')
    .setDescription(DESCRIPTION)
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .build();
  // Statuses every route can answer and the live-object schemas join first, so that finishing the
  // document (examples, descriptions, lint fixes) covers them too. Built on the first request for it, not
  // at startup (generating it is about a fifth of the time to ready); then served from memory.
  let built: Doc | undefined;
  const document = (): Doc =>
    (built ??= finishDocument(
      addCommonResponses(
        addWatchResponses(
          addKubeSchemas(
            SwaggerModule.createDocument(app, builder, {
              extraModels: [ErrorEnvelopeDto],
              operationIdFactory: operationId,
            }),
          ),
        ),
      ) as Doc,
      config,
    ));
  SwaggerModule.setup('api/docs', app, document, {
    jsonDocumentUrl: 'api/docs-json',
    yamlDocumentUrl: 'api/docs-yaml',
  });
}
