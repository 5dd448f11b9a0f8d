import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppError } from '../common/app-error.js';
import { mapLimit } from '../common/concurrency.js';
import { page, type Page } from '../common/envelope.js';
import { parseLabelQuery } from '../common/validators.js';
import type { AuthUser } from '../auth/role.js';
import { AccessService } from '../access/access.service.js';
import { Verb } from '../access/roles.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { ClusterAccessStore } from '../kube/access/cluster-access.store.js';
import { ClusterAccessVerifier } from '../kube/access/cluster-access.verifier.js';
import { ClusterClients } from '../kube/access/cluster-clients.js';
import { ClusterProber, type ProbeResult } from '../kube/access/cluster-prober.js';
import { probeColumns } from '../kube/access/cluster-record.js';
import { ClusterEntity, ClusterProvider, ClusterStatus } from './cluster.entity.js';
import { toClusterDto } from './cluster.mapper.js';
import { ClustersRepository, type ClusterStatusFilter } from './clusters.repository.js';
import type {
  ClusterDto,
  ClusterHealthDto,
  ClusterQueryDto,
  ImportClusterDto,
  UpdateClusterDto,
} from './dto/cluster.dto.js';

/**
 * Cluster records: list, read, import (attach), change, detach, and their health. Everything about a
 * cluster's access (parsing, vetting, probing, sealing, clients) is src/kube/access's.
 */
@Injectable()
export class ClustersService {
  private readonly logger = new Logger(ClustersService.name);

  constructor(
    private readonly repo: ClustersRepository,
    private readonly clients: ClusterClients,
    private readonly verifier: ClusterAccessVerifier,
    private readonly store: ClusterAccessStore,
    private readonly prober: ClusterProber,
    private readonly access: AccessService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private dto(c: ClusterEntity): ClusterDto {
    return toClusterDto(c, this.config.kube.stale_after_seconds);
  }

  /** The clusters the caller has a grant on (others are never counted or named). */
  async list(q: ClusterQueryDto, actor: AuthUser): Promise<Page<ClusterDto>> {
    const labels = q.label ? parseLabelQuery(q.label) : undefined;
    if (q.label && !labels)
      throw AppError.validation([{ field: 'label', errors: ['label must look like "k=v,k2=v2"'] }]);
    const sort = q.sort ?? 'name';
    const [rows, total] = await this.repo.list({
      provider: q.provider,
      status: q.status as ClusterStatusFilter | undefined,
      labels,
      visible: (alias, bind) => this.access.clusterCondition(actor, alias, bind),
      q: q.q,
      sort: { field: sort.replace(/^-/, '') as 'name', desc: sort.startsWith('-') },
      staleBefore: new Date(Date.now() - this.config.kube.stale_after_seconds * 1000),
      offset: q.offset,
      limit: q.page_size,
    });
    return page(
      rows.map((c) => this.dto(c)),
      total,
      q.page,
      q.page_size,
    );
  }

  async get(id: string): Promise<ClusterDto> {
    return this.dto(await this.record(id));
  }

  /** Attaches an existing cluster: probe first, store the credential sealed, answer with the record. */
  async import(dto: ImportClusterDto, actor: AuthUser): Promise<ClusterDto> {
    const actorId = actor.id;
    const access = this.verifier.fromInput(dto);
    if (!access) {
      throw AppError.validation([
        { field: 'kubeconfig', errors: ['give either kubeconfig, or server and token'] },
      ]);
    }
    if (await this.repo.findByName(dto.name)) throw AppError.conflict(`cluster ${dto.name} already exists`);
    const id = randomUUID();
    const probe = await this.verifier.verify({ id, name: dto.name }, access, dto, {
      may_skip_tls: await this.maySkipTls(actor),
      force: dto.force ?? false,
    });
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
      ...this.store.seal(id, access),
      createdBy: actorId,
      ...probeColumns(probe),
    });
    return this.dto(row);
  }

  private async maySkipTls(actor: AuthUser): Promise<boolean> {
    return (await this.access.decide(actor, Verb.SETTINGS_MANAGE)) === 'allow';
  }

  async update(id: string, dto: UpdateClusterDto, actor: AuthUser): Promise<ClusterDto> {
    const current = await this.record(id);
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
    const access = this.verifier.fromInput(dto);
    if (access) {
      // A new credential is verified before it replaces the old one.
      const probe = await this.verifier.verify({ id, name: dto.name ?? current.name }, access, dto, {
        may_skip_tls: await this.maySkipTls(actor),
        force: dto.force ?? false,
      });
      await this.store.replace(id, access, probe);
    } else if (
      dto.force !== undefined ||
      dto.context !== undefined ||
      dto.insecure_skip_tls_verify !== undefined ||
      dto.ca_data !== undefined
    ) {
      throw AppError.validation([
        {
          field: 'kubeconfig',
          errors: [
            'context, ca_data, insecure_skip_tls_verify and force need a new kubeconfig or server and token',
          ],
        },
      ]);
    }
    if (Object.keys(patch).length) await this.repo.update(id, patch);
    return this.get(id);
  }

  /** Detaches: the record and cached clients go; the cluster itself is not touched. */
  async detach(id: string): Promise<void> {
    await this.record(id);
    await this.repo.delete(id);
  }

  /** Probes live and records the result. */
  async health(id: string): Promise<ClusterHealthDto> {
    const cluster = await this.record(id);
    const target = await this.clients.target(cluster);
    const probe: ProbeResult = target.client
      ? await this.prober.probe(target.client)
      : { ok: false, error: target.error!, latencyMs: 0 };
    await this.saveProbe(cluster, probe);
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
        const target = await this.clients.target(c);
        const probe: ProbeResult = target.client
          ? await this.prober.probe(target.client)
          : { ok: false, error: target.error!, latencyMs: 0 };
        await this.saveProbe(c, probe);
        return probe.ok;
      } catch (e) {
        this.logger.error(
          `health sweep: cluster ${c.name} (${c.id}) could not be probed: ${(e as Error)?.message ?? String(e)}`,
        );
        return false;
      }
    });
    return { probed: results.length, active: results.filter(Boolean).length };
  }

  private async saveProbe(c: ClusterEntity, probe: ProbeResult): Promise<void> {
    if (c.status !== ClusterStatus.ACTIVE && c.status !== ClusterStatus.UNAVAILABLE) return;
    await this.repo.recordProbe(c.id, {
      ...probeColumns(probe),
      status: probe.ok ? ClusterStatus.ACTIVE : ClusterStatus.UNAVAILABLE,
    });
    if (c.status === ClusterStatus.ACTIVE && !probe.ok)
      this.logger.warn(`cluster ${c.name} became unavailable: ${probe.error.message}`);
  }

  /** The record of a cluster; 404 when there is none. */
  async record(id: string): Promise<ClusterEntity> {
    const c = await this.repo.findById(id);
    if (!c) throw AppError.notFound('cluster', id);
    return c;
  }
}
