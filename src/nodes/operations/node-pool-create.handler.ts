import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/app-error.js';
import { ErrorCode } from '../../common/error-codes.js';
import { readThroughOutage, waitForChange } from '../../providers/vendor-wait.js';
import { ClustersService } from '../../clusters/clusters.service.js';
import {
  HandlesOperation,
  type OperationContext,
  type OperationHandler,
} from '../../operations/operation-handler.js';
import { OperationType } from '../../operations/operation-types.js';
import type { NodePoolSpec, VendorChange } from '../../providers/cluster-provider.js';
import { ClusterProviderLookup } from '../../providers/cluster-provider-lookup.js';
import { NodePoolsRepository } from '../node-pools.repository.js';
import { NodePoolsService } from '../node-pools.service.js';

interface Payload {
  cluster_id: string;
  pool_id: string;
  spec: NodePoolSpec;
}

interface Checkpoint {
  vendor_pool_id: string;
  change: VendorChange | null;
}

/** node-pools.create: look the name up, create at the vendor (once), wait, then sync the records. */
@Injectable()
@HandlesOperation(OperationType.NODE_POOL_CREATE)
export class NodePoolCreateHandler implements OperationHandler<Payload, Record<string, unknown>, Checkpoint> {
  constructor(
    private readonly clusters: ClustersService,
    private readonly providers: ClusterProviderLookup,
    private readonly pools: NodePoolsService,
    private readonly repo: NodePoolsRepository,
  ) {}

  async run(ctx: OperationContext<Payload, Checkpoint>) {
    const { cluster_id, pool_id, spec } = ctx.payload;
    const c = await this.clusters.record(cluster_id);
    const provider = await this.providers.providerOf(c);
    const vid = c.vendorClusterId!;
    try {
      let vendorPoolId = ctx.checkpoint.vendor_pool_id;
      if (!vendorPoolId) {
        const existing = (
          await readThroughOutage(provider.name, 'reading the node pools', () => provider.listNodePools(vid))
        ).find((p) => p.name === spec.name);
        let change: VendorChange | null = null;
        if (existing) vendorPoolId = existing.id;
        else ({ id: vendorPoolId, change } = await provider.createNodePool(vid, spec));
        await ctx.saveCheckpoint({ vendor_pool_id: vendorPoolId, change });
        await this.repo.updatePool(pool_id, { vendorPoolId });
      }
      const poolId = vendorPoolId;
      await waitForChange(ctx, provider, ctx.checkpoint.change ?? {}, {
        from: 10,
        to: 90,
        what: `creating node pool ${spec.name}`,
        until: async () => {
          const p = (await provider.listNodePools(vid)).find((x) => x.id === poolId);
          if (!p)
            throw new AppError(
              ErrorCode.VENDOR_API_ERROR,
              `${c.provider} no longer knows node pool ${poolId}`,
            );
          if (p.phase === 'failed')
            throw new AppError(
              ErrorCode.VENDOR_API_ERROR,
              `${c.provider} reports node pool ${spec.name} ${p.vendor_state}`,
            );
          return p.phase === 'active';
        },
      });
      await readThroughOutage(provider.name, 'reading the node pools', () => this.pools.refresh(c, provider));
      await ctx.progress(100, 'active');
      return { pool_id, vendor_pool_id: poolId };
    } catch (e) {
      await this.repo.updatePool(pool_id, {
        status: 'failed',
        lastError: e instanceof Error ? e.message : String(e),
      });
      throw e;
    }
  }
}
