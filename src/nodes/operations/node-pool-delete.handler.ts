import { Injectable } from '@nestjs/common';
import { readThroughOutage, waitForChange } from '../../providers/vendor-wait.js';
import { ClustersService } from '../../clusters/clusters.service.js';
import {
  HandlesOperation,
  type OperationContext,
  type OperationHandler,
} from '../../operations/operation-handler.js';
import { OperationType } from '../../operations/operation-types.js';
import type { VendorChange } from '../../providers/cluster-provider.js';
import { ClusterProviderLookup } from '../../providers/cluster-provider-lookup.js';
import { NodePoolsRepository } from '../node-pools.repository.js';
import { NodePoolsService } from '../node-pools.service.js';

/** node-pools.delete: delete at the vendor (its nodes with it), wait, then drop the records. */
@Injectable()
@HandlesOperation(OperationType.NODE_POOL_DELETE)
export class NodePoolDeleteHandler implements OperationHandler<
  { cluster_id: string; pool_id: string },
  Record<string, unknown>,
  { change: VendorChange }
> {
  constructor(
    private readonly clusters: ClustersService,
    private readonly providers: ClusterProviderLookup,
    private readonly pools: NodePoolsService,
    private readonly repo: NodePoolsRepository,
  ) {}

  async run(ctx: OperationContext<{ cluster_id: string; pool_id: string }, { change: VendorChange }>) {
    const { cluster_id, pool_id } = ctx.payload;
    const c = await this.clusters.record(cluster_id);
    const pool = await this.repo.findPool(cluster_id, pool_id);
    if (!pool) return { pool_id, removed: true };
    const provider = await this.providers.providerOf(c);
    if (pool.vendorPoolId) {
      const vendorPoolId = pool.vendorPoolId;
      const change = await ctx.step('change', async () => {
        await ctx.progress(5, `deleting node pool ${pool.name}`);
        return provider.deleteNodePool(c.vendorClusterId!, vendorPoolId);
      });
      await waitForChange(ctx, provider, change, {
        from: 10,
        to: 90,
        what: `deleting node pool ${pool.name}`,
        until: async () =>
          !(await provider.listNodePools(c.vendorClusterId!)).some((p) => p.id === vendorPoolId),
      });
    }
    await this.repo.deletePool(pool_id);
    await readThroughOutage(provider.name, 'reading the node pools', () => this.pools.refresh(c, provider));
    await ctx.progress(100, 'deleted');
    return { pool_id, removed: true };
  }
}
