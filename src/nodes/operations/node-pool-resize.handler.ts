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
export class NodePoolResizeHandler implements OperationHandler<
  Payload,
  Record<string, unknown>,
  { change: VendorChange }
> {
  constructor(
    private readonly clusters: ClustersService,
    private readonly providers: ClusterProviderLookup,
    private readonly pools: NodePoolsService,
  ) {}

  async run(ctx: OperationContext<Payload, { change: VendorChange }>) {
    const { cluster_id, pool_id, desired_size, autoscaling } = ctx.payload;
    const c = await this.clusters.record(cluster_id);
    const pool = await this.pools.mustFindPool(cluster_id, pool_id);
    const provider = await this.providers.providerOf(c);
    const change = await ctx.step('change', async () => {
      await ctx.progress(5, `resizing node pool ${pool.name}`);
      return provider.resizeNodePool(c.vendorClusterId!, pool.vendorPoolId!, {
        desired_size: desired_size ?? undefined,
        autoscaling: autoscaling ?? undefined,
      });
    });
    await waitForChange(ctx, provider, change, { from: 10, to: 90, what: `resizing node pool ${pool.name}` });
    await readThroughOutage(provider.name, 'reading the node pools', () => this.pools.refresh(c, provider));
    await ctx.progress(100, 'resized');
    return { pool_id, desired_size, autoscaling };
  }
}
