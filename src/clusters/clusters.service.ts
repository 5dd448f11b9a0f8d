import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppError } from '../common/app-error.js';
import { mapLimit } from '../common/concurrency.js';
import { SealedStores } from '../common/crypto/sealed-stores.js';
import { SecretBox } from '../common/crypto/secret-box.js';
import { page, type Page } from '../common/envelope.js';
import { ErrorCode } from '../common/error-codes.js';
import { parseLabelQuery } from '../common/validators.js';
import { Role, roleAllows } from '../auth/role.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { ClusterAccess } from '../kube/client/cluster-access.js';
import { ClusterClientPool } from '../kube/client/cluster-client.pool.js';
import type { KubeClient } from '../kube/client/kube-client.js';
import { tokenProblem } from '../kube/client/credential-check.js';
import { checkServer, parseKubeconfig } from '../kube/client/kubeconfig.js';
import { ClusterEntity, ClusterProvider, ClusterStatus } from './cluster.entity.js';
import { toClusterDto } from './cluster.mapper.js';
import { ClusterProber, type ProbeResult } from './cluster-prober.js';
import { ClustersRepository, type ClusterStatusFilter, type ProbeUpdate } from './clusters.repository.js';
import type { ClusterDto, ClusterHealthDto, ClusterQueryDto, ImportClusterDto, UpdateClusterDto } from './dto/cluster.dto.js';

const context = (id: string) => `clusters:${id}`;

/** Live reads look a cluster up on every call; a record this young is reused (other instances see changes within it). */
const RECORD_TTL_MS = 2000;

/** A cluster Berth can talk to, with its client (or why it has none). */
export interface ClusterTarget {
  cluster: ClusterEntity;
  client?: KubeClient;
  error?: AppError;
}

@Injectable()
export class ClustersService implements OnModuleInit {
  private readonly logger = new Logger(ClustersService.name);
  private readonly recent = new Map<string, { at: number; cluster: ClusterEntity }>();
  private reachable?: { at: number; clusters: ClusterEntity[] };

  constructor(
    private readonly repo: ClustersRepository,
    private readonly pool: ClusterClientPool,
    private readonly prober: ClusterProber,
    private readonly box: SecretBox,
    private readonly stores: SealedStores,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.stores.register('clusters', 'access_sealed');
  }

  private dto(c: ClusterEntity): ClusterDto {
    return toClusterDto(c, this.config.kube.stale_after_seconds);
  }

  async list(q: ClusterQueryDto): Promise<Page<ClusterDto>> {
    const labels = q.label ? parseLabelQuery(q.label) : undefined;
    if (q.label && !labels) throw AppError.validation([{ field: 'label', errors: ['label must look like "k=v,k2=v2"'] }]);
    const sort = q.sort ?? 'name';
    const [rows, total] = await this.repo.list({
      provider: q.provider,
      status: q.status as ClusterStatusFilter | undefined,
      labels,
      q: q.q,
      sort: { field: sort.replace(/^-/, '') as 'name', desc: sort.startsWith('-') },
      staleBefore: new Date(Date.now() - this.config.kube.stale_after_seconds * 1000),
      offset: q.offset,
      limit: q.page_size,
    });
    return page(rows.map((c) => this.dto(c)), total, q.page, q.page_size);
  }

  async get(id: string): Promise<ClusterDto> {
    return this.dto(await this.mustFind(id));
  }

  /** Attaches an existing cluster: probe first, store the credential sealed, answer with the record. */
  async import(dto: ImportClusterDto, actorId: string, actorRole: Role = Role.VIEWER): Promise<ClusterDto> {
    const access = this.accessFrom(dto);
    if (!access) {
      throw AppError.validation([{ field: 'kubeconfig', errors: ['give either kubeconfig, or server and token'] }]);
    }
    if (await this.repo.findByName(dto.name)) throw AppError.conflict(`cluster ${dto.name} already exists`);
    await this.vet(access, dto, actorRole);
    const id = randomUUID();
    const probe = await this.probeAccess({ id, name: dto.name }, access, dto.force ?? false);
    const row = await this.repo.insert({
      id,
      name: dto.name,
      displayName: dto.display_name ?? null,
      description: dto.description ?? null,
      provider: ClusterProvider.IMPORTED,
      status: probe.ok ? ClusterStatus.ACTIVE : ClusterStatus.UNAVAILABLE,
      labels: dto.labels ?? {},
      city: dto.city ?? null,
      district: dto.district ?? null,
      server: access.server,
      accessSealed: this.box.sealJson(access, context(id)),
      authType: access.auth.type,
      createdBy: actorId,
      ...probeUpdate(probe),
    });
    this.reachable = undefined;
    return this.dto(row);
  }

  async update(id: string, dto: UpdateClusterDto, actorRole: Role = Role.VIEWER): Promise<ClusterDto> {
    this.forget(id);
    const current = await this.mustFind(id);
    if (dto.name && dto.name !== current.name) {
      if (await this.repo.findByName(dto.name)) throw AppError.conflict(`cluster ${dto.name} already exists`);
    }
    const patch: Partial<ClusterEntity> = {};
    if (dto.name !== undefined) patch.name = dto.name;
    if (dto.display_name !== undefined) patch.displayName = dto.display_name;
    if (dto.description !== undefined) patch.description = dto.description;
    if (dto.labels !== undefined) patch.labels = dto.labels;
    if (dto.city !== undefined) patch.city = dto.city;
    if (dto.district !== undefined) patch.district = dto.district;
    const access = this.accessFrom(dto);
    if (access) {
      await this.vet(access, dto, actorRole);
      // A new credential is probed before it replaces the old one.
      const probe = await this.probeAccess({ id, name: dto.name ?? current.name }, access, dto.force ?? false);
      await this.repo.replaceAccess(id, {
        accessSealed: this.box.sealJson(access, context(id)),
        server: access.server,
        authType: access.auth.type,
        ...probeUpdate(probe),
        status: probe.ok ? ClusterStatus.ACTIVE : ClusterStatus.UNAVAILABLE,
      });
      this.forget(id);
      this.pool.drop(id);
    } else if (dto.force !== undefined || dto.context !== undefined || dto.insecure_skip_tls_verify !== undefined || dto.ca_data !== undefined) {
      throw AppError.validation([{ field: 'kubeconfig', errors: ['context, ca_data, insecure_skip_tls_verify and force need a new kubeconfig or server and token'] }]);
    }
    if (Object.keys(patch).length) await this.repo.update(id, patch);
    this.forget(id);
    return this.get(id);
  }

  /** Detaches: the record and cached clients go; the cluster itself is not touched. */
  async detach(id: string): Promise<void> {
    await this.mustFind(id);
    await this.repo.delete(id);
    this.forget(id);
    this.pool.drop(id);
  }

  /** Probes live and records the result. */
  async health(id: string): Promise<ClusterHealthDto> {
    const cluster = await this.mustFind(id);
    const target = await this.target(cluster);
    const probe: ProbeResult = target.client
      ? await this.prober.probe(target.client)
      : { ok: false, error: target.error!, latencyMs: 0 };
    await this.record(cluster, probe);
    return {
      cluster_id: id,
      status: probe.ok ? ClusterStatus.ACTIVE : ClusterStatus.UNAVAILABLE,
      version: probe.ok ? probe.version : cluster.version,
      node_count: probe.ok ? probe.nodeCount : null,
      ready_node_count: probe.ok ? probe.readyNodeCount : null,
      latency_ms: probe.latencyMs,
      probed_at: new Date().toISOString(),
      error: probe.ok ? null : { code: probe.error.code, message: probe.error.message },
    };
  }

  /** Probes every reachable cluster with bounded concurrency and a little jitter (the periodic sweep). */
  async probeAll(jitterMs = 1000): Promise<{ probed: number; active: number }> {
    const clusters = await this.repo.findReachable();
    const results = await mapLimit(clusters, this.config.kube.fanout_concurrency, async (c) => {
      await new Promise((r) => setTimeout(r, Math.random() * jitterMs));
      // One cluster's failure (a poisoned record, a lost database write) is that cluster's: logged, and
      // the sweep goes on with the others.
      try {
        const target = await this.target(c);
        const probe: ProbeResult = target.client ? await this.prober.probe(target.client) : { ok: false, error: target.error!, latencyMs: 0 };
        await this.record(c, probe);
        return probe.ok;
      } catch (e) {
        this.logger.error(`health sweep: cluster ${c.name} (${c.id}) could not be probed: ${(e as Error)?.message ?? String(e)}`);
        return false;
      }
    });
    return { probed: results.length, active: results.filter(Boolean).length };
  }

  /** Drops this instance's reused copies of a cluster record (after a change made here). */
  forget(id: string): void {
    this.recent.delete(id);
    this.reachable = undefined;
  }

  /** The pooled client of a cluster (for live reads). */
  async client(id: string): Promise<KubeClient> {
    const hit = this.recent.get(id);
    let cluster = hit && Date.now() - hit.at < RECORD_TTL_MS ? hit.cluster : undefined;
    if (!cluster) {
      cluster = await this.mustFind(id);
      // Only reachable records are reused: one still provisioning must be seen the moment it turns active.
      if (cluster.accessSealed) this.recent.set(id, { at: Date.now(), cluster });
      if (this.recent.size > 10_000) this.recent.clear();
    }
    const target = await this.target(cluster);
    if (target.error) throw target.error;
    return target.client!;
  }

  /** Clients for fan-out: every reachable cluster, or the given ids (unknown ids are a 404). */
  async targets(ids?: string[]): Promise<ClusterTarget[]> {
    // Fan-out asks on every call; the reachable set is reused as briefly as single records are.
    if (!this.reachable || Date.now() - this.reachable.at >= RECORD_TTL_MS) {
      this.reachable = { at: Date.now(), clusters: await this.repo.findReachable() };
    }
    const all = this.reachable.clusters;
    const clusters = ids?.length ? all.filter((c) => ids.includes(c.id)) : all;
    if (ids?.length) {
      const missing = ids.filter((id) => !clusters.some((c) => c.id === id));
      if (missing.length) throw new AppError(ErrorCode.NOT_FOUND, `clusters not found or not reachable: ${missing.join(', ')}`, { missing });
    }
    return Promise.all(clusters.map((c) => this.target(c)));
  }

  private async target(cluster: ClusterEntity): Promise<ClusterTarget> {
    if (!cluster.accessSealed) {
      return { cluster, error: new AppError(ErrorCode.CONFLICT, `Cluster ${cluster.name} has no API access yet (status ${cluster.status})`) };
    }
    try {
      const sealed = cluster.accessSealed;
      const client = await this.pool.get({ id: cluster.id, name: cluster.name }, String(cluster.accessVersion), () => this.openAccess(cluster.id, sealed));
      return { cluster, client };
    } catch (e) {
      const error = e instanceof AppError ? e : new AppError(ErrorCode.CLUSTER_UNREACHABLE, `Cluster ${cluster.name}: ${(e as Error).message}`);
      return { cluster, error };
    }
  }

  private openAccess(id: string, sealed: string): ClusterAccess {
    try {
      return this.box.openJson<ClusterAccess>(sealed, context(id));
    } catch (e) {
      throw new AppError(ErrorCode.SECRET_UNREADABLE, `The credential of cluster ${id} cannot be decrypted: ${(e as Error).message}`);
    }
  }

  private async record(c: ClusterEntity, probe: ProbeResult): Promise<void> {
    if (c.status !== ClusterStatus.ACTIVE && c.status !== ClusterStatus.UNAVAILABLE) return;
    await this.repo.recordProbe(c.id, { ...probeUpdate(probe), status: probe.ok ? ClusterStatus.ACTIVE : ClusterStatus.UNAVAILABLE });
    if (c.status === ClusterStatus.ACTIVE && !probe.ok) this.logger.warn(`cluster ${c.name} became unavailable: ${probe.error.message}`);
  }

  /**
   * What a caller may ask Berth to connect to: skipping TLS verification is an admin's choice, and the
   * server must resolve to an address the outbound policy allows (checked again on every connection).
   */
  private async vet(access: ClusterAccess, dto: UpdateClusterDto, role: Role): Promise<void> {
    const field = dto.kubeconfig !== undefined ? 'kubeconfig' : 'server';
    if (access.insecure_skip_tls_verify && !roleAllows(role, Role.ADMIN)) {
      throw new AppError(
        ErrorCode.FORBIDDEN,
        'Only an admin may turn off TLS verification (insecure_skip_tls_verify, or insecure-skip-tls-verify in a kubeconfig): ' +
          'give the API server\'s CA (ca_data or certificate-authority-data) instead',
        { field: field === 'server' ? 'insecure_skip_tls_verify' : 'kubeconfig', required_role: Role.ADMIN },
      );
    }
    const refused = await this.pool.policy.checkUrl(access.server);
    if (refused) {
      throw new AppError(ErrorCode.OUTBOUND_ADDRESS_REFUSED, `${field} refused: ${refused.message}`, { field, reason: refused.reason });
    }
  }

  /**
   * Probes a credential that is not saved yet; refuses it unless `force`. `force` saves a cluster that
   * cannot be reached now (as unavailable); it never saves a server that answered but is not Kubernetes.
   */
  private async probeAccess(ref: { id: string; name: string }, access: ClusterAccess, force: boolean): Promise<ProbeResult> {
    const client = await this.pool.transient(ref, access);
    try {
      const probe = await this.prober.probe(client);
      if (probe.ok) return probe;
      if (probe.notKubernetes) throw probe.error;
      if (force) return probe;
      const e = probe.error;
      if (e.details?.kube_status === 401) {
        throw new AppError(ErrorCode.CLUSTER_CREDENTIAL_REJECTED, `Cluster ${ref.name} rejected the credential (401)`, e.details);
      }
      throw new AppError(e.code, `${e.message}; pass force=true to save it as unavailable`, e.details);
    } finally {
      client.close();
    }
  }

  private accessFrom(dto: UpdateClusterDto): ClusterAccess | undefined {
    const hasKubeconfig = dto.kubeconfig !== undefined;
    const hasToken = dto.server !== undefined || dto.token !== undefined;
    if (hasKubeconfig && hasToken) {
      throw AppError.validation([{ field: 'kubeconfig', errors: ['give either kubeconfig, or server and token, not both'] }]);
    }
    if (hasKubeconfig) return parseKubeconfig(dto.kubeconfig!, { context: dto.context, maxBytes: this.config.kube.max_kubeconfig_bytes });
    if (!hasToken) return undefined;
    if (!dto.server || !dto.token) {
      throw AppError.validation([{ field: dto.server ? 'token' : 'server', errors: ['server and token go together'] }]);
    }
    // A token pasted with its trailing newline is the token; one with a line break, NUL or non-ASCII
    // character inside cannot be sent as a header (Node throws) and is refused here, naming the field.
    const token = dto.token.trim();
    const why = tokenProblem(token);
    if (why) throw new AppError(ErrorCode.UNPROCESSABLE, `token ${why}`, { field: 'token' });
    const access: ClusterAccess = { server: checkServer(dto.server), auth: { type: 'token', token } };
    if (dto.ca_data) access.ca_data = dto.ca_data.replace(/\s+/g, '');
    if (dto.insecure_skip_tls_verify) access.insecure_skip_tls_verify = true;
    return access;
  }

  private async mustFind(id: string): Promise<ClusterEntity> {
    const c = await this.repo.findById(id);
    if (!c) throw AppError.notFound('cluster', id);
    return c;
  }
}

function probeUpdate(probe: ProbeResult): Omit<ProbeUpdate, 'status'> {
  return probe.ok
    ? { version: probe.version, nodeCount: probe.nodeCount, readyNodeCount: probe.readyNodeCount, latencyMs: probe.latencyMs, lastProbedAt: new Date(), lastError: null }
    : { latencyMs: probe.latencyMs, lastProbedAt: new Date(), lastError: probe.error.message } as Omit<ProbeUpdate, 'status'>;
}
