import { Injectable, Logger } from '@nestjs/common';
import { AppError } from '../../common/app-error.js';
import { ErrorCode } from '../../common/error-codes.js';
import {
  HandlesOperation,
  type OperationContext,
  type OperationHandler,
} from '../../operations/operation-handler.js';
import { OperationType } from '../../operations/operation-types.js';
import { type ClusterSpec, issueKubeconfig, type VendorChange } from '../../providers/cluster-provider.js';
import { ClusterStatus } from '../cluster.entity.js';
import { ClustersRepository } from '../clusters.repository.js';
import { ClusterProviderLookup } from '../../providers/cluster-provider-lookup.js';
import { ProvisioningService } from '../provisioning.service.js';
import { readThroughOutage, VendorChangeFailed, waitForChange } from '../../providers/vendor-wait.js';

interface Checkpoint {
  vendor_id?: string;
  change?: VendorChange | null;
  running?: boolean;
  pools_created?: boolean;
  access?: VendorChange | null;
}

/**
 * clusters.create: vendor create → wait until running → kubeconfig → probe → active.
 * Resumable: the vendor id is saved right after the create call, and before ever creating the
 * cluster is looked up by name at the vendor (a crash between the two adopts, never duplicates).
 */
@Injectable()
@HandlesOperation(OperationType.CLUSTER_CREATE)
export class ClusterCreateHandler implements OperationHandler<
  { cluster_id: string },
  Record<string, unknown>,
  Checkpoint
> {
  private readonly logger = new Logger(ClusterCreateHandler.name);

  constructor(
    private readonly provisioning: ProvisioningService,
    private readonly providers: ClusterProviderLookup,
    private readonly repo: ClustersRepository,
  ) {}

  async run(ctx: OperationContext<{ cluster_id: string }, Checkpoint>) {
    const id = ctx.payload.cluster_id;
    const cp = ctx.checkpoint;
    const c = await this.repo.findById(id);
    if (!c) throw new AppError(ErrorCode.NOT_FOUND, `cluster ${id} was removed before it was created`);
    try {
      const provider = await this.providers.providerOf(c);
      let vendorId = cp.vendor_id ?? c.vendorClusterId ?? undefined;
      if (!vendorId) {
        await ctx.progress(5, `looking for ${c.name} at ${c.provider}`);
        const existing = await provider.findClusterByName(c.name);
        let change: VendorChange | null = null;
        if (existing) {
          vendorId = existing.id;
          this.logger.warn(
            `cluster ${c.name}: adopting ${c.provider} cluster ${existing.id} created by an earlier attempt`,
          );
        } else {
          await ctx.progress(10, `creating ${c.name} at ${c.provider}`);
          const created = await provider.createCluster({
            name: c.name,
            region: c.region ?? provider.region,
            description: c.description,
            spec: (c.vendorSpec ?? {}) as ClusterSpec,
          });
          vendorId = created.id;
          change = created.change;
        }
        await ctx.saveCheckpoint({ vendor_id: vendorId, change });
        await this.repo.update(id, { vendorClusterId: vendorId });
      }
      const vid = vendorId;
      if (!cp.running) {
        await waitForChange(ctx, provider, cp.change ?? {}, {
          from: 15,
          to: 80,
          what: `creating ${c.name}`,
          until: async () => {
            const v = await provider.getCluster(vid);
            if (!v)
              throw new AppError(ErrorCode.VENDOR_API_ERROR, `${c.provider} no longer knows cluster ${vid}`, {
                vendor_cluster_id: vid,
              });
            if (v.phase === 'failed' || v.phase === 'unavailable')
              throw new AppError(
                ErrorCode.VENDOR_API_ERROR,
                `${c.provider} reports cluster ${vid} ${v.vendor_state}${v.message ? `: ${v.message}` : ''}`,
                { vendor_state: v.vendor_state, reason: 'vendor_cluster_failed' },
              );
            return v.phase === 'running';
          },
        });
        await ctx.saveCheckpoint({ running: true });
      }
      const pools = ((c.vendorSpec ?? {}) as ClusterSpec).node_pools ?? [];
      if (provider.poolsAfterCreate && pools.length && !cp.pools_created) {
        const spec = (c.vendorSpec ?? {}) as ClusterSpec;
        const existing = new Set(
          (
            await readThroughOutage(provider.name, 'listing node pools', () => provider.listNodePools(vid))
          ).map((p) => p.name),
        );
        for (const pool of pools) {
          if (existing.has(pool.name)) continue;
          await ctx.progress(80, `creating node pool ${pool.name}`);
          const created = await provider.createNodePool(vid, {
            ...pool,
            subnet_ids: pool.subnet_ids ?? spec.subnet_ids,
          });
          await waitForChange(ctx, provider, created.change, {
            from: 80,
            to: 84,
            what: `creating node pool ${pool.name}`,
          });
        }
        await ctx.saveCheckpoint({ pools_created: true });
      }
      const spec = (c.vendorSpec ?? {}) as ClusterSpec;
      if (provider.openAccess) {
        const access = await ctx.step('access', async () => {
          await ctx.progress(84, `opening access to the API server of ${c.name}`);
          return provider.openAccess!(vid, spec);
        });
        if (access)
          await waitForChange(ctx, provider, access, {
            from: 84,
            to: 85,
            what: `opening the endpoint of ${c.name}`,
          });
      }
      await ctx.progress(85, 'fetching the kubeconfig');
      const kubeconfig = await readThroughOutage(provider.name, 'fetching the kubeconfig', () =>
        issueKubeconfig(provider, vid, spec),
      );
      await ctx.progress(90, 'probing the API server');
      await this.provisioning.activate(c, kubeconfig);
      await ctx.progress(100, 'active');
      return { cluster_id: id, vendor_cluster_id: vid };
    } catch (e) {
      const err = withNextStep(e, id, c.provider);
      await this.repo.update(id, { status: ClusterStatus.FAILED, lastError: err.message });
      throw err;
    }
  }
}

/**
 * The failure of a create, with what the user can do next: retry (the vendor cluster is adopted, nothing is
 * created twice) — or, when the vendor says the cluster itself failed, destroy it (or retry once the cause
 * named by the vendor is fixed).
 */
function withNextStep(e: unknown, id: string, provider: string): AppError {
  const base =
    e instanceof AppError
      ? e
      : new AppError(ErrorCode.INTERNAL, e instanceof Error ? e.message : String(e), null);
  const retry = `POST /api/v1/clusters/${id}/retry`;
  const destroy = `DELETE /api/v1/clusters/${id}?destroy=true`;
  const vendorFailed = e instanceof VendorChangeFailed || base.details?.reason === 'vendor_cluster_failed';
  const next =
    base.code === ErrorCode.VENDOR_CREDENTIAL_REJECTED
      ? `fix the credential (PATCH /api/v1/credentials/…), then ${retry}`
      : vendorFailed
        ? `${destroy} removes it at ${provider}; ${retry} tries again once the cause is fixed`
        : `${retry} resumes where it stopped (the ${provider} cluster is adopted, not created again)`;
  return new AppError(base.code, `${base.message}. What you can do: ${next}`, {
    ...(base.details ?? {}),
    next_steps: next,
  });
}
