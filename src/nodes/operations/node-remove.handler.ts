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
import { type DrainResult, NodeDrainer } from '../node-drainer.js';
import { NodePoolsService } from '../node-pools.service.js';

interface Payload {
  cluster_id: string;
  node_name: string;
  instance_id: string;
  pool_id: string;
}

interface Checkpoint {
  drained: DrainResult;
  change: VendorChange;
}

/** nodes.remove: cordon + drain through Kubernetes, then release the instance at the vendor, then sync. */
@Injectable()
@HandlesOperation(OperationType.NODE_REMOVE)
export class NodeRemoveHandler implements OperationHandler<Payload, Record<string, unknown>, Checkpoint> {
  constructor(
    private readonly clusters: ClustersService,
    private readonly providers: ClusterProviderLookup,
    private readonly pools: NodePoolsService,
    private readonly drainer: NodeDrainer,
  ) {}

  async run(ctx: OperationContext<Payload, Checkpoint>) {
    const { cluster_id, node_name, instance_id, pool_id } = ctx.payload;
    const c = await this.clusters.record(cluster_id);
    const provider = await this.providers.providerOf(c);
    const drained = await ctx.step('drained', async () => {
      await ctx.progress(5, `cordoning and draining ${node_name}`);
      return this.drainer.drain(cluster_id, node_name);
    });
    const change = await ctx.step('change', async () => {
      const pool = await this.pools.mustFindPool(cluster_id, pool_id);
      await ctx.progress(40, `removing instance ${instance_id} at ${c.provider}`);
      return provider.removeNodes(c.vendorClusterId!, pool.vendorPoolId!, [instance_id]);
    });
    await waitForChange(ctx, provider, change, { from: 45, to: 90, what: `removing ${node_name}` });
    await readThroughOutage(provider.name, 'reading the node pools', () => this.pools.refresh(c, provider));
    await ctx.progress(100, 'removed');
    return { node_name, instance_id, drained };
  }
}
