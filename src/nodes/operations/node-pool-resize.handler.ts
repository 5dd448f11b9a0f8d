import { Injectable } from '@nestjs/common';
import { waitForChange } from '../../clusters/operations/vendor-wait.js';
import { ProvisioningService } from '../../clusters/provisioning.service.js';
import { HandlesOperation, type OperationContext, type OperationHandler } from '../../operations/operation-handler.js';
import { OperationType } from '../../operations/operation-types.js';
import type { VendorChange } from '../../providers/cluster-provider.js';
import { NodePoolsService } from '../node-pools.service.js';

interface Payload {
  cluster_id: string;
  pool_id: string;
  desired_size: number | null;
  autoscaling: { enabled: boolean; min_size: number; max_size: number } | null;
}

/** node-pools.resize: absolute desired size and/or autoscaling bounds (safe to repeat), then sync. */
@Injectable()
@HandlesOperation(OperationType.NODE_POOL_RESIZE)
export class NodePoolResizeHandler implements OperationHandler<Payload> {
  constructor(
    private readonly provisioning: ProvisioningService,
    private readonly pools: NodePoolsService,
  ) {}

  async run(ctx: OperationContext<Payload>) {
    const { cluster_id, pool_id, desired_size, autoscaling } = ctx.payload;
    const c = await this.provisioning.mustFind(cluster_id);
    const pool = await this.pools.mustFindPool(cluster_id, pool_id);
    const provider = await this.provisioning.providerOf(c);
    let change = ctx.checkpoint.change as VendorChange | undefined;
    if (!change) {
      await ctx.progress(5, `resizing node pool ${pool.name}`);
      change = await provider.resizeNodePool(c.vendorClusterId!, pool.vendorPoolId!, { desired_size: desired_size ?? undefined, autoscaling: autoscaling ?? undefined });
      await ctx.saveCheckpoint({ change });
    }
    await waitForChange(ctx, provider, change, { from: 10, to: 90, what: `resizing node pool ${pool.name}` });
    await this.pools.refresh(c, provider);
    await ctx.progress(100, 'resized');
    return { pool_id, desired_size, autoscaling };
  }
}
