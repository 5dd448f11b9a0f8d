import { Injectable } from '@nestjs/common';
import { waitForChange } from '../../clusters/operations/vendor-wait.js';
import { ProvisioningService } from '../../clusters/provisioning.service.js';
import { HandlesOperation, type OperationContext, type OperationHandler } from '../../operations/operation-handler.js';
import { OperationType } from '../../operations/operation-types.js';
import type { VendorChange } from '../../providers/cluster-provider.js';
import { NodePoolsRepository } from '../node-pools.repository.js';
import { NodePoolsService } from '../node-pools.service.js';

/** node-pools.delete: delete at the vendor (its nodes with it), wait, then drop the records. */
@Injectable()
@HandlesOperation(OperationType.NODE_POOL_DELETE)
export class NodePoolDeleteHandler implements OperationHandler<{ cluster_id: string; pool_id: string }> {
  constructor(
    private readonly provisioning: ProvisioningService,
    private readonly pools: NodePoolsService,
    private readonly repo: NodePoolsRepository,
  ) {}

  async run(ctx: OperationContext<{ cluster_id: string; pool_id: string }>) {
    const { cluster_id, pool_id } = ctx.payload;
    const c = await this.provisioning.mustFind(cluster_id);
    const pool = await this.repo.findPool(cluster_id, pool_id);
    if (!pool) return { pool_id, removed: true };
    const provider = await this.provisioning.providerOf(c);
    if (pool.vendorPoolId) {
      let change = ctx.checkpoint.change as VendorChange | undefined;
      if (!change) {
        await ctx.progress(5, `deleting node pool ${pool.name}`);
        change = await provider.deleteNodePool(c.vendorClusterId!, pool.vendorPoolId);
        await ctx.saveCheckpoint({ change });
      }
      const vendorPoolId = pool.vendorPoolId;
      await waitForChange(ctx, provider, change, {
        from: 10,
        to: 90,
        what: `deleting node pool ${pool.name}`,
        until: async () => !(await provider.listNodePools(c.vendorClusterId!)).some((p) => p.id === vendorPoolId),
      });
    }
    await this.repo.deletePool(pool_id);
    await this.pools.refresh(c, provider);
    await ctx.progress(100, 'deleted');
    return { pool_id, removed: true };
  }
}
