import { Inject, Injectable, Optional } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AuthUser } from '../auth/role.js';
import { authDependency } from '../auth/dependency.js';
import { AppError } from '../common/app-error.js';
import { ErrorCode } from '../common/error-codes.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { type Bind, matches, parseSelector, type Requirement, selectorSql } from './label-selector.js';
import { GLOBAL_VERBS, type GrantRole, ROLE_VERBS, type Verb } from './roles.js';

/** Reads namespace labels from a cluster (for grants with a namespace label selector); provided by the kube module. */
export interface NamespaceLabelSource {
  labelsOf(clusterId: string, namespace: string): Promise<Record<string, string> | null>;
  namesMatching(clusterId: string, selector: string): Promise<string[]>;
}
export const NAMESPACE_LABELS = Symbol('NAMESPACE_LABELS');

export interface GrantRow {
  id: string;
  subject_type: 'user' | 'group' | 'token';
  subject_id: string;
  role: GrantRole;
  cluster_ids: string[] | null;
  cluster_selector: string | null;
  namespaces: string[] | null;
  namespace_selector: string | null;
  managed_by: string | null;
  description: string | null;
  created_by: string | null;
  created_at: Date;
  /** The group that gives it, for grants held through a group. */
  group_name?: string | null;
}

export interface CompiledGrant {
  row: GrantRow;
  verbs: ReadonlySet<Verb>;
  clusterSel: Requirement[] | null;
  clusterIds: ReadonlySet<string> | null;
  nsNames: ReadonlySet<string> | null;
  nsSel: Requirement[] | null;
}

export interface ClusterRef {
  id: string;
  labels: Record<string, string>;
}

/**
 * What a route asks about. `namespace` undefined: the cluster as a whole, any grant on it counts (records,
 * health, discovery); null: cluster-wide (cluster-scoped objects, lists over every namespace), which needs
 * a grant without a namespace limit; a string: inside that namespace.
 */
export interface AccessTarget {
  cluster?: ClusterRef | string;
  /** A cluster that does not exist yet (create / import): only its labels can match. */
  newCluster?: { labels: Record<string, string> };
  namespace?: string | null;
}

export type Decision = 'allow' | 'forbidden' | 'hidden';

/** Grants layered: a user has one layer (its own grants and its groups'); an API token two (its own, and its owner's). */
export type Layers = CompiledGrant[][];

interface CacheEntry {
  at: number;
  layers: Promise<Layers>;
}

const NS_TTL_MS = 5_000;
const MAX_CACHE = 20_000;

export function compileGrant(row: GrantRow): CompiledGrant {
  return {
    row,
    verbs: new Set(ROLE_VERBS[row.role] ?? []),
    clusterIds: row.cluster_ids ? new Set(row.cluster_ids) : null,
    clusterSel: row.cluster_selector ? parseSelector(row.cluster_selector) : null,
    nsNames: row.namespaces ? new Set(row.namespaces) : null,
    nsSel: row.namespace_selector ? parseSelector(row.namespace_selector) : null,
  };
}

function clusterMatch(g: CompiledGrant, c: ClusterRef | null, labels: Record<string, string>): boolean {
  if (g.clusterIds) return c !== null && g.clusterIds.has(c.id);
  if (g.clusterSel) return matches(g.clusterSel, labels);
  return true;
}

const unlimitedNs = (g: CompiledGrant) => !g.nsNames && !g.nsSel;

/**
 * The one authorization decision of Berth. Every route declares the verb it needs and where (see
 * `@Access`); the guard asks here, list routes ask for the clusters and namespaces to query. Grants are
 * read through a per-instance cache of `auth.state_cache_ms` (1 s): a grant change takes effect
 * everywhere within a second, at once on the instance that made it.
 */
@Injectable()
export class AccessService {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly clusterCache = new Map<string, { at: number; ref: Promise<ClusterRef | null> }>();
  private readonly nsCache = new Map<
    string,
    { at: number; labels: Promise<Record<string, string> | null> }
  >();

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() @Inject(NAMESPACE_LABELS) private nsSource?: NamespaceLabelSource,
  ) {}

  /** Set by the kube module at start (it depends on this module, not the other way round). */
  useNamespaceLabels(source: NamespaceLabelSource): void {
    this.nsSource = source;
  }

  // ---- decisions -------------------------------------------------------------------------------------

  async decide(p: AuthUser, verb: Verb, target: AccessTarget = {}): Promise<Decision> {
    return this.decideWith(await this.layersOf(p), verb, target);
  }

  /** The decision for given grant layers (access review asks it of single grants). */
  async decideWith(layers: Layers, verb: Verb, target: AccessTarget = {}): Promise<Decision> {
    if (GLOBAL_VERBS.has(verb) || (!target.cluster && !target.newCluster)) {
      return layers.every((l) => l.some((g) => g.verbs.has(verb))) ? 'allow' : 'forbidden';
    }
    let cluster: ClusterRef | null = null;
    let labels: Record<string, string>;
    if (target.cluster) {
      // A cluster that does not exist is judged like one without labels: callers whose grants cover it
      // anyway get the route's own answer (validation, then its 404); for the others it is hidden (404),
      // the same answer as for a cluster they may not see.
      cluster =
        typeof target.cluster === 'string'
          ? ((await this.cluster(target.cluster)) ?? { id: target.cluster, labels: {} })
          : target.cluster;
      labels = cluster.labels;
    } else labels = target.newCluster?.labels ?? {};
    let worst: Decision = 'allow';
    for (const layer of layers) {
      const d = await this.decideLayer(layer, verb, cluster, labels, target.namespace);
      if (d === 'hidden') return 'hidden';
      if (d === 'forbidden') worst = 'forbidden';
    }
    return worst;
  }

  private async decideLayer(
    layer: CompiledGrant[],
    verb: Verb,
    cluster: ClusterRef | null,
    labels: Record<string, string>,
    namespace: string | null | undefined,
  ): Promise<Decision> {
    const onCluster = layer.filter((g) => clusterMatch(g, cluster, labels));
    if (!cluster) {
      // A new cluster: nothing to hide; allowed by a cluster-wide grant whose scope it would fall in.
      return onCluster.some((g) => g.verbs.has(verb) && unlimitedNs(g)) ? 'allow' : 'forbidden';
    }
    if (!onCluster.length) return 'hidden';
    if (namespace === undefined) return onCluster.some((g) => g.verbs.has(verb)) ? 'allow' : 'forbidden';
    if (namespace === null)
      return onCluster.some((g) => g.verbs.has(verb) && unlimitedNs(g)) ? 'allow' : 'forbidden';
    const inNs: CompiledGrant[] = [];
    for (const g of onCluster) if (await this.nsMatch(g, cluster.id, namespace)) inNs.push(g);
    if (!inNs.length) return 'hidden';
    return inNs.some((g) => g.verbs.has(verb)) ? 'allow' : 'forbidden';
  }

  private async nsMatch(g: CompiledGrant, clusterId: string, ns: string): Promise<boolean> {
    if (g.nsNames) return g.nsNames.has(ns);
    if (g.nsSel) {
      const labels = await this.namespaceLabels(clusterId, ns);
      return labels !== null && matches(g.nsSel, labels);
    }
    return true;
  }

  /**
   * Throws what the caller may learn: 404 (the same answer as for a cluster or namespace that does not
   * exist) when it has no grant there at all, 403 when it sees the thing but its role lacks the verb.
   */
  async assert(p: AuthUser, verb: Verb, target: AccessTarget = {}): Promise<void> {
    const d = await this.decide(p, verb, target);
    if (d === 'allow') return;
    const clusterId = typeof target.cluster === 'string' ? target.cluster : target.cluster?.id;
    if (d === 'hidden') {
      if (target.namespace && clusterId && (await this.decide(p, verb, { cluster: clusterId })) !== 'hidden')
        throw new AppError(ErrorCode.NOT_FOUND, `Namespace ${target.namespace} not found`, {
          kind: 'namespace',
          id: target.namespace,
        });
      throw AppError.notFound('Cluster', clusterId ?? '');
    }
    throw await this.forbidden(p, verb, target);
  }

  private async forbidden(p: AuthUser, verb: Verb, target: AccessTarget): Promise<AppError> {
    const where = target.namespace
      ? ` in namespace ${target.namespace}`
      : target.namespace === null
        ? ' cluster-wide'
        : target.cluster || target.newCluster
          ? ' on this cluster'
          : '';
    const details: Record<string, unknown> = { verb };
    let hint = '';
    if (target.namespace === null && target.cluster) {
      const id = typeof target.cluster === 'string' ? target.cluster : target.cluster.id;
      const ns = await this.permittedNamespaces(p, verb, id).catch(() => 'none' as const);
      if (Array.isArray(ns)) {
        details.namespaces = ns;
        hint = ns.length ? `; your grants cover the namespaces ${ns.join(', ')} (ask for one of them)` : '';
      }
    }
    return new AppError(
      ErrorCode.FORBIDDEN,
      `Your grants do not allow ${verb}${where} (roles with it: ${rolesWith(verb).join(', ')})${hint}`,
      details,
    );
  }

  // ---- what a list may cover ----------------------------------------------------------------------

  /**
   * A SQL condition over a clusters table (`alias`.id, `alias`.labels) selecting the clusters the caller
   * has any grant on (or, with `verb`, a grant giving that verb); values go in through `bind`.
   */
  async clusterCondition(p: AuthUser, alias: string, bind: Bind, verb?: Verb): Promise<string> {
    const layers = await this.layersOf(p);
    const parts: string[] = [];
    for (const layer of layers) {
      const gs = verb ? layer.filter((g) => g.verbs.has(verb)) : layer;
      if (gs.some((g) => !g.clusterIds && !g.clusterSel)) continue; // every cluster
      const ors: string[] = [];
      const ids = gs.flatMap((g) => (g.clusterIds ? [...g.clusterIds] : []));
      if (ids.length) ors.push(`${alias}.id = ANY(${bind(ids)}::uuid[])`);
      for (const g of gs)
        if (g.clusterSel) ors.push(`(${selectorSql(g.clusterSel, `${alias}.labels`, bind)})`);
      parts.push(ors.length ? `(${ors.join(' OR ')})` : 'FALSE');
    }
    return parts.length ? parts.join(' AND ') : 'TRUE';
  }

  /** Whether the caller may use `verb` on every cluster (no cluster filter needed). */
  async everyCluster(p: AuthUser, verb: Verb): Promise<boolean> {
    const layers = await this.layersOf(p);
    return layers.every((l) =>
      l.some((g) => g.verbs.has(verb) && !g.clusterIds && !g.clusterSel && unlimitedNs(g)),
    );
  }

  /**
   * The namespaces of a cluster where the caller may use `verb`: 'all' (a grant without a namespace limit),
   * or the names (selectors resolved against the cluster's namespaces now), intersected across layers.
   */
  async permittedNamespaces(p: AuthUser, verb: Verb, clusterId: string): Promise<'all' | string[]> {
    const cluster = await this.cluster(clusterId);
    if (!cluster) return [];
    const layers = await this.layersOf(p);
    let result = 'all' as 'all' | Set<string>;
    for (const layer of layers) {
      const gs = layer.filter((g) => g.verbs.has(verb) && clusterMatch(g, cluster, cluster.labels));
      if (gs.some(unlimitedNs)) continue;
      const names = new Set<string>();
      for (const g of gs) {
        if (g.nsNames) for (const n of g.nsNames) names.add(n);
        if (g.nsSel && this.nsSource) {
          for (const n of await this.nsSource.namesMatching(cluster.id, g.row.namespace_selector as string))
            names.add(n);
        }
      }
      const prev: 'all' | Set<string> = result;
      result = prev === 'all' ? names : new Set([...prev].filter((n) => names.has(n)));
    }
    return result === 'all' ? 'all' : [...result].sort();
  }

  /** Every grant the caller acts with (tokens: its own, bounded by its owner's). */
  async effectiveGrants(p: AuthUser): Promise<{ token: GrantRow[] | null; user: GrantRow[] }> {
    const layers = await this.layersOf(p);
    if (p.tokenId) return { token: layers[0].map((g) => g.row), user: layers[1].map((g) => g.row) };
    return { token: null, user: layers[0].map((g) => g.row) };
  }

  // ---- loading ------------------------------------------------------------------------------------

  layersOf(p: AuthUser): Promise<Layers> {
    const key = p.tokenId ? `t:${p.tokenId}:${p.id}` : `u:${p.id}`;
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < this.config.auth.state_cache_ms) return hit.layers;
    const layers = authDependency('postgres', async () => {
      const user = (await this.userGrants(p.id)).map(compileGrant);
      if (!p.tokenId) return [user];
      const token = (await this.subjectGrants('token', p.tokenId)).map(compileGrant);
      return [token, user];
    });
    if (this.config.auth.state_cache_ms > 0) {
      if (this.cache.size >= MAX_CACHE) this.cache.clear();
      this.cache.set(key, { at: now, layers });
      layers.catch(() => {
        if (this.cache.get(key)?.layers === layers) this.cache.delete(key);
      });
    }
    return layers;
  }

  /** A grant, group or membership changed on this instance: drop what it could affect. */
  invalidate(): void {
    this.cache.clear();
  }

  invalidateCluster(id: string): void {
    this.clusterCache.delete(id);
  }

  async userGrants(userId: string): Promise<GrantRow[]> {
    return (await this.dataSource.query(
      `SELECT g.*, NULL AS group_name FROM grants g WHERE g.subject_type = 'user' AND g.subject_id = $1
       UNION ALL
       SELECT g.*, gr.name AS group_name
         FROM group_members m JOIN groups gr ON gr.id = m.group_id
         JOIN grants g ON g.subject_type = 'group' AND g.subject_id = m.group_id
        WHERE m.user_id = $1
       ORDER BY created_at, id`,
      [userId],
    )) as GrantRow[];
  }

  async subjectGrants(type: 'user' | 'group' | 'token', id: string): Promise<GrantRow[]> {
    return (await this.dataSource.query(
      `SELECT g.*, NULL AS group_name FROM grants g WHERE g.subject_type = $1 AND g.subject_id = $2 ORDER BY created_at, id`,
      [type, id],
    )) as GrantRow[];
  }

  private cluster(id: string): Promise<ClusterRef | null> {
    const now = Date.now();
    const hit = this.clusterCache.get(id);
    if (hit && now - hit.at < Math.max(this.config.auth.state_cache_ms, 1)) return hit.ref;
    const ref = authDependency('postgres', async () => {
      const rows = (await this.dataSource.query('SELECT id, labels FROM clusters WHERE id = $1', [id])) as {
        id: string;
        labels: Record<string, string> | null;
      }[];
      return rows[0] ? { id: rows[0].id, labels: rows[0].labels ?? {} } : null;
    });
    if (this.clusterCache.size >= MAX_CACHE) this.clusterCache.clear();
    this.clusterCache.set(id, { at: now, ref });
    ref.catch(() => this.clusterCache.delete(id));
    return ref;
  }

  private namespaceLabels(clusterId: string, ns: string): Promise<Record<string, string> | null> {
    const key = `${clusterId}/${ns}`;
    const now = Date.now();
    const hit = this.nsCache.get(key);
    if (hit && now - hit.at < NS_TTL_MS) return hit.labels;
    const source = this.nsSource;
    const labels = source ? source.labelsOf(clusterId, ns) : Promise.resolve(null);
    if (this.nsCache.size >= MAX_CACHE) this.nsCache.clear();
    this.nsCache.set(key, { at: now, labels });
    labels.catch(() => this.nsCache.delete(key));
    return labels;
  }
}

export function rolesWith(verb: Verb): GrantRole[] {
  return (Object.keys(ROLE_VERBS) as GrantRole[]).filter((r) => ROLE_VERBS[r].includes(verb));
}
