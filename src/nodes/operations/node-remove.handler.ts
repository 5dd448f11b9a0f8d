import { Injectable } from '@nestjs/common';
import { waitForChange } from '../../clusters/operations/vendor-wait.js';
import { ProvisioningService } from '../../clusters/provisioning.service.js';
import { HandlesOperation, type OperationContext, type OperationHandler } from '../../operations/operation-handler.js';
import { OperationType } from '../../operations/operation-types.js';
import type { VendorChange } from '../../providers/cluster-provider.js';
import { NodeDrainer } from '../node-drainer.js';
import { NodePoolsService } from '../node-pools.service.js';

interface Payload {
  cluster_id: string;
  node_name: string;
  instance_id: string;
  pool_id: string;
}

/** nodes.remove: cordon + drain through Kubernetes, then release the instance at the vendor, then sync. */
@Injectable()
@HandlesOperation(OperationType.NODE_REMOVE)
export class NodeRemoveHandler implements OperationHandler<Payload> {
  constructor(
    private readonly provisioning: ProvisioningService,
    private readonly pools: NodePoolsService,
    private readonly drainer: NodeDrainer,
  ) {}

  async run(ctx: OperationContext<Payload>) {
    const { cluster_id, node_name, instance_id, pool_id } = ctx.payload;
    const c = await this.provisioning.mustFind(cluster_id);
    const provider = await this.provisioning.providerOf(c);
    let drained = ctx.checkpoint.drained as { registered: boolean; evicted: number; skipped: number } | undefined;
    if (!drained) {
      await ctx.progress(5, `cordoning and draining ${node_name}`);
      drained = await this.drainer.drain(cluster_id, node_name);
      await ctx.saveCheckpoint({ drained });
    }
    let change = ctx.checkpoint.change as VendorChange | undefined;
    if (!change) {
      const pool = await this.pools.mustFindPool(cluster_id, pool_id);
      await ctx.progress(40, `removing instance ${instance_id} at ${c.provider}`);
      change = await provider.removeNodes(c.vendorClusterId!, pool.vendorPoolId!, [instance_id]);
      await ctx.saveCheckpoint({ change });
    }
    await waitForChange(ctx, provider, change, { from: 45, to: 90, what: `removing ${node_name}` });
    await this.pools.refresh(c, provider);
    await ctx.progress(100, 'removed');
    return { node_name, instance_id, drained };
  }
}
