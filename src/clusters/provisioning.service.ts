import { Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import type { AuthUser } from '../auth/role.js';
import { AccessService } from '../access/access.service.js';
import { Verb } from '../access/roles.js';
import { AppError } from '../common/app-error.js';
import { ErrorCode } from '../common/error-codes.js';
import type { JsonObject } from '../common/json.js';
import { ClusterAccessStore } from '../kube/access/cluster-access.store.js';
import { ClusterAccessVerifier } from '../kube/access/cluster-access.verifier.js';
import type { OperationDto } from '../operations/dto/operation.dto.js';
import { OperationType } from '../operations/operation-types.js';
import { operationInProgress, OperationsService } from '../operations/operations.service.js';
import type { ClusterSpec, VendorKubeconfig } from '../providers/cluster-provider.js';
import { ClusterProviderLookup } from '../providers/cluster-provider-lookup.js';
import { ClusterProviders } from '../providers/cluster-providers.js';
import { type ClusterEntity, ClusterProvider, ClusterStatus } from './cluster.entity.js';
import { ClustersRepository } from './clusters.repository.js';
import { ClustersService } from './clusters.service.js';
import type { ClusterDto, UpdateClusterDto } from './dto/cluster.dto.js';
import type { CreateClusterDto } from './dto/provision.dto.js';

/** An answer that is either the record (done now, 200) or the operation doing it (202). */
export type MaybeOperation<T> = { status: 200; body: T } | { status: 202; body: OperationDto };

const VENDOR_FIELDS = ['name', 'description', 'deletion_protection'] as const;
const ACCESS_FIELDS = [
  'kubeconfig',
  'context',
  'server',
  'token',
  'ca_data',
  'insecure_skip_tls_verify',
  'force',
] as const;

/**
 * Vendor cluster lifecycle: create, change and destroy at the vendor through operations. The vendor
 * work itself runs in the operation handlers (operations/); this service checks the request, records
 * the intent and starts the operation.
 */
@Injectable()
export class ProvisioningService {
  constructor(
    private readonly repo: ClustersRepository,
    private readonly clusters: ClustersService,
    private readonly providers: ClusterProviders,
    private readonly lookup: ClusterProviderLookup,
    private readonly operations: OperationsService,
    private readonly verifier: ClusterAccessVerifier,
    private readonly store: ClusterAccessStore,
    private readonly access: AccessService,
  ) {}

  async create(dto: CreateClusterDto, actorId: string, idempotencyKey?: string): Promise<OperationDto> {
    const provider = await this.providers.forCredential(dto.provider, dto.credential_id);
    const spec = dto.spec as ClusterSpec;
    const problems = provider.validateSpec(spec);
    if (problems.length) throw AppError.validation(problems);
    const region = dto.region ?? (provider.region || null);
    // With an Idempotency-Key the record id follows from it, so a retried request finds its first record.
    const id = idempotencyKey ? keyedId(actorId, idempotencyKey) : randomUUID();
    if (!(await this.repo.findById(id))) {
      if (await this.repo.findByName(dto.name)) throw AppError.conflict(`cluster ${dto.name} already exists`);
      // Also proves the credential works (a rejected one is a clear 502 now, not a failed operation later).
      if (await provider.findClusterByName(dto.name)) {
        throw AppError.conflict(
          `${dto.provider} already has a cluster named ${dto.name}; import it instead`,
          { provider: dto.provider },
        );
      }
      await this.repo.insert({
        id,
        name: dto.name,
        displayName: dto.display_name ?? null,
        description: dto.description ?? null,
        provider: dto.provider as ClusterProvider,
        status: ClusterStatus.PROVISIONING,
        labels: dto.labels ?? {},
        city: dto.city ?? null,
        district: dto.district ?? null,
        credentialId: dto.credential_id,
        region,
        vendorSpec: JSON.parse(JSON.stringify(spec)) as JsonObject,
        createdBy: actorId,
      });
    }
    return this.operations.start({
      type: OperationType.CLUSTER_CREATE,
      targetType: 'clusters',
      targetId: id,
      payload: {
        cluster_id: id,
        provider: dto.provider,
        credential_id: dto.credential_id,
        name: dto.name,
        region,
        spec: JSON.parse(JSON.stringify(spec)),
      },
      actorId,
      idempotencyKey,
    });
  }

  /**
   * Tries a failed or interrupted create again: a new clusters.create operation that starts from the last
   * create's checkpoint (the vendor cluster it made is adopted, finished steps are not repeated; the vendor
   * ticket that failed and an endpoint that failed to open are asked afresh).
   */
  async retry(id: string, actorId: string, idempotencyKey?: string): Promise<OperationDto> {
    const c = await this.clusters.record(id);
    if (c.provider === ClusterProvider.IMPORTED)
      throw new AppError(
        ErrorCode.UNPROCESSABLE,
        `Cluster ${c.name} is imported: there is no create to retry`,
      );
    const busy = await this.operations.findActive('clusters', id);
    if (busy && idempotencyKey && busy.idempotency_key === idempotencyKey) return busy;
    if (busy) throw operationInProgress(`cluster ${c.name}`, busy);
    if (c.status !== ClusterStatus.FAILED && c.status !== ClusterStatus.PROVISIONING)
      throw AppError.conflict(
        `cluster ${c.name} is ${c.status}; only a failed or interrupted create can be retried`,
        {
          status: c.status,
        },
      );
    const last = await this.operations.latestCheckpoint(OperationType.CLUSTER_CREATE, 'clusters', id);
    if (c.status === ClusterStatus.FAILED && last?.operation.status !== 'failed')
      throw AppError.conflict(
        `cluster ${c.name} failed after it was created (see last_error); destroy it or fix it at ${c.provider}`,
        { status: c.status },
      );
    const { change: _failedTicket, access: _failedAccess, ...checkpoint } = last?.checkpoint ?? {};
    await this.repo.update(id, { status: ClusterStatus.PROVISIONING, lastError: null });
    return this.operations.start({
      type: OperationType.CLUSTER_CREATE,
      targetType: 'clusters',
      targetId: id,
      payload: { cluster_id: id, retry_of: last?.operation.id ?? null },
      actorId,
      idempotencyKey,
      checkpoint,
      exclusive: { subject: `cluster ${c.name}` },
    });
  }

  /** Imported clusters change at once; vendor-side fields of vendor clusters change through an operation. */
  async update(
    id: string,
    dto: UpdateClusterDto,
    actor: AuthUser,
    idempotencyKey?: string,
  ): Promise<MaybeOperation<ClusterDto>> {
    const actorId = actor.id;
    const c = await this.clusters.record(id);
    // Relabelling may not move a cluster out of (or into) the scope the caller manages.
    if (dto.labels !== undefined)
      await this.access.assert(actor, Verb.CLUSTERS_MANAGE, { newCluster: { labels: dto.labels } });
    if (c.provider === ClusterProvider.IMPORTED) {
      if (dto.deletion_protection !== undefined) {
        throw AppError.validation([
          {
            field: 'deletion_protection',
            errors: ['imported clusters have no vendor-side deletion protection'],
          },
        ]);
      }
      return { status: 200, body: await this.clusters.update(id, dto, actor) };
    }
    const access = ACCESS_FIELDS.filter((f) => dto[f] !== undefined);
    if (access.length) {
      throw AppError.validation(
        access.map((f) => ({
          field: f,
          errors: ['a vendor cluster’s access comes from its vendor and cannot be replaced'],
        })),
      );
    }
    const caps = this.lookup.capabilitiesOf(c);
    const change: Record<string, unknown> = {};
    if (dto.name !== undefined && dto.name !== c.name) change.name = dto.name;
    if (dto.deletion_protection !== undefined) change.deletion_protection = dto.deletion_protection;
    if (dto.description !== undefined && caps.update.includes('description'))
      change.description = dto.description;
    const unsupported = VENDOR_FIELDS.filter((f) => change[f] !== undefined && !caps.update.includes(f));
    if (unsupported.length) {
      const words: Record<(typeof VENDOR_FIELDS)[number], string> = {
        name: 'the name',
        description: 'the description',
        deletion_protection: 'the deletion protection',
      };
      throw new AppError(
        ErrorCode.UNPROCESSABLE,
        `Berth cannot change ${unsupported.map((f) => words[f]).join(' or ')} of ${c.provider} clusters at the vendor`,
        { provider: c.provider, unsupported },
      );
    }
    // Berth-only fields are written now.
    const local: UpdateClusterDto = { ...dto, name: undefined, deletion_protection: undefined };
    if (change.description !== undefined) local.description = undefined;
    if (!Object.keys(change).length)
      return { status: 200, body: await this.clusters.update(id, local, actor) };
    if (c.status !== ClusterStatus.ACTIVE && c.status !== ClusterStatus.UNAVAILABLE) {
      throw AppError.conflict(`cluster ${c.name} is ${c.status}; vendor-side changes need it active`, {
        status: c.status,
      });
    }
    if (change.name && (await this.repo.findByName(change.name as string)))
      throw AppError.conflict(`cluster ${String(change.name)} already exists`);
    const busy = await this.operations.findActive('clusters', id);
    if (busy && idempotencyKey && busy.idempotency_key === idempotencyKey) return { status: 202, body: busy };
    if (busy) throw operationInProgress(`cluster ${c.name}`, busy);
    if (Object.values(local).some((v) => v !== undefined)) await this.clusters.update(id, local, actor);
    const op = await this.operations.start({
      type: OperationType.CLUSTER_UPDATE,
      targetType: 'clusters',
      targetId: id,
      payload: { cluster_id: id, change },
      actorId,
      idempotencyKey,
      exclusive: { subject: `cluster ${c.name}` },
    });
    return { status: 202, body: op };
  }

  /** Without `destroy`: detach (the record goes, the cluster stays). With it: destroy at the vendor first. */
  async remove(
    id: string,
    destroy: boolean,
    actorId: string,
    idempotencyKey?: string,
  ): Promise<MaybeOperation<null>> {
    const c = await this.clusters.record(id);
    const busy = await this.operations.findActive('clusters', id);
    if (!destroy) {
      if (busy) throw operationInProgress(`cluster ${c.name}`, busy);
      await this.clusters.detach(id);
      return { status: 200, body: null };
    }
    if (c.provider === ClusterProvider.IMPORTED) {
      throw new AppError(
        ErrorCode.UNPROCESSABLE,
        `Cluster ${c.name} is imported: Berth cannot destroy it; DELETE without destroy detaches it`,
      );
    }
    if (
      busy &&
      busy.type === OperationType.CLUSTER_DESTROY &&
      (!idempotencyKey || busy.idempotency_key === idempotencyKey)
    )
      return { status: 202, body: busy };
    if (busy && busy.type !== OperationType.CLUSTER_DESTROY)
      throw operationInProgress(`cluster ${c.name}`, busy);
    await this.repo.update(id, { status: ClusterStatus.DELETING });
    const op = await this.operations.start({
      type: OperationType.CLUSTER_DESTROY,
      targetType: 'clusters',
      targetId: id,
      payload: {
        cluster_id: id,
        previous_status: c.status === ClusterStatus.DELETING ? ClusterStatus.FAILED : c.status,
      },
      actorId,
      idempotencyKey,
      // a concurrent destroy joins the one that got there first
      exclusive: {
        subject: `cluster ${c.name}`,
        join: (other) => other.type === OperationType.CLUSTER_DESTROY && !idempotencyKey,
      },
    });
    return { status: 202, body: op };
  }

  /**
   * Stores the vendor's kubeconfig once it is verified (checked like any untrusted kubeconfig, probed),
   * with when its credential expires: the cluster becomes active.
   */
  async activate(c: ClusterEntity, kubeconfig: VendorKubeconfig): Promise<void> {
    const { access, probe } = await this.verifier.verifyVendorKubeconfig(c, kubeconfig.config, {
      context: kubeconfig.context,
      execHint: kubeconfig.exec_hint,
    });
    await this.store.replace(c.id, access, probe);
    await this.repo.update(c.id, {
      credentialExpiresAt: kubeconfig.expires_at,
      credentialRefreshedAt: new Date(),
    });
  }
}

/** A UUID derived from the caller and their Idempotency-Key (same key, same record). */
function keyedId(actorId: string, key: string): string {
  const h = createHash('sha256').update(`berth:cluster:${actorId}:${key}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
