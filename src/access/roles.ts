/**
 * Berth's authorization vocabulary: verbs (what a route does) and roles (named sets of verbs) that grants
 * give on a scope. This table is the one place that says which role may do what; the README's role table
 * is generated from it (and compared by a test).
 */
export enum Verb {
  /** See the cluster record, its health and discovery (any grant on the cluster gives it). */
  CLUSTERS_READ = 'clusters.read',
  /** Read live objects, events and metrics. */
  OBJECTS_READ = 'objects.read',
  /** Read container logs. */
  LOGS_READ = 'logs.read',
  /** See operations on what the caller may see. */
  OPERATIONS_READ = 'operations.read',
  /** List registries and their contents (checked on any scope). */
  REGISTRIES_READ = 'registries.read',
  /** Apply, delete, scale, restart, create namespaces and pull secrets, cordon and uncordon. */
  OBJECTS_WRITE = 'objects.write',
  /** Exec into, attach to and port-forward to pods. */
  PODS_EXEC = 'pods.exec',
  /** See Secret values (`show_secret_values`). */
  SECRETS_REVEAL = 'secrets.reveal',
  /** Label, taint and remove nodes; create, resize and delete node pools. */
  NODES_MANAGE = 'nodes.manage',
  /** Create, import, update, retry and delete cluster records (vendor lifecycle). */
  CLUSTERS_MANAGE = 'clusters.manage',
  /** See cloud credential records (never their secrets; checked on any scope). */
  CREDENTIALS_READ = 'credentials.read',
  /** Create and delete registry projects, repositories and artifacts (checked on any scope). */
  REGISTRIES_WRITE = 'registries.write',
  /** Users, groups, grants, service accounts and other principals' tokens. */
  PRINCIPALS_MANAGE = 'principals.manage',
  /** Cloud credentials, registry records, the encryption key ring. */
  SETTINGS_MANAGE = 'settings.manage',
  /** The audit log. */
  AUDIT_READ = 'audit.read',
}

export enum GrantRole {
  VIEW = 'view',
  EDIT = 'edit',
  EXEC = 'exec',
  REVEAL_SECRETS = 'reveal-secrets',
  CLUSTER_ADMIN = 'cluster-admin',
  ADMIN = 'admin',
}

const VIEW = [
  Verb.CLUSTERS_READ,
  Verb.OBJECTS_READ,
  Verb.LOGS_READ,
  Verb.OPERATIONS_READ,
  Verb.REGISTRIES_READ,
];
const EDIT = [...VIEW, Verb.OBJECTS_WRITE];
const CLUSTER_ADMIN = [
  ...EDIT,
  Verb.NODES_MANAGE,
  Verb.CLUSTERS_MANAGE,
  Verb.CREDENTIALS_READ,
  Verb.REGISTRIES_WRITE,
];

/**
 * Roles are sets of verbs. `exec` and `reveal-secrets` are kept apart from `cluster-admin` on purpose: a
 * shell in a container and Secret values are given explicitly, never as a side effect of managing nodes.
 * `admin` is every verb on every cluster (an admin can grant itself anything, so anything less would be theatre).
 */
export const ROLE_VERBS: Record<GrantRole, readonly Verb[]> = {
  [GrantRole.VIEW]: VIEW,
  [GrantRole.EDIT]: EDIT,
  [GrantRole.EXEC]: [...VIEW, Verb.PODS_EXEC],
  [GrantRole.REVEAL_SECRETS]: [...VIEW, Verb.SECRETS_REVEAL],
  [GrantRole.CLUSTER_ADMIN]: CLUSTER_ADMIN,
  [GrantRole.ADMIN]: Object.values(Verb),
};

/** Verbs answered on the scope of the route's cluster (and namespace); the others are checked on any grant. */
export const GLOBAL_VERBS: ReadonlySet<Verb> = new Set([
  Verb.REGISTRIES_READ,
  Verb.CREDENTIALS_READ,
  Verb.REGISTRIES_WRITE,
  Verb.PRINCIPALS_MANAGE,
  Verb.SETTINGS_MANAGE,
  Verb.AUDIT_READ,
]);

/** Verbs that only an `admin` grant (always on every cluster) gives. */
export const ADMIN_ONLY_VERBS: ReadonlySet<Verb> = new Set([
  Verb.PRINCIPALS_MANAGE,
  Verb.SETTINGS_MANAGE,
  Verb.AUDIT_READ,
]);

const SETS = new Map(Object.entries(ROLE_VERBS).map(([r, v]) => [r, new Set(v)]));

export function roleHas(role: GrantRole, verb: Verb): boolean {
  return SETS.get(role)?.has(verb) ?? false;
}

/** The role that a route needing `verb` names in its documentation: the weakest one that has it. */
export function weakestRoleFor(verb: Verb): GrantRole {
  for (const r of [
    GrantRole.VIEW,
    GrantRole.EDIT,
    GrantRole.EXEC,
    GrantRole.REVEAL_SECRETS,
    GrantRole.CLUSTER_ADMIN,
    GrantRole.ADMIN,
  ])
    if (roleHas(r, verb)) return r;
  return GrantRole.ADMIN;
}
