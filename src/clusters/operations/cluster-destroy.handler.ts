import { Injectable } from '@nestjs/common';
import {
  HandlesOperation,
  type OperationContext,
  type OperationHandler,
} from '../../operations/operation-handler.js';
import { OperationType } from '../../operations/operation-types.js';
import type { VendorChange } from '../../providers/cluster-provider.js';
import { ClusterStatus } from '../cluster.entity.js';
import { ClustersRepository } from '../clusters.repository.js';
import { ClusterProviderLookup } from '../../providers/cluster-provider-lookup.js';
import { VendorChangeFailed, waitForChange } from '../../providers/vendor-wait.js';

interface Payload {
  cluster_id: string;
  previous_status?: ClusterStatus;
}

interface Checkpoint {
  change: VendorChange;
}

/** clusters.destroy: delete at the vendor, wait until the vendor no longer knows it, then remove the record. */
@Injectable()
@HandlesOperation(OperationType.CLUSTER_DESTROY)
export class ClusterDestroyHandler implements OperationHandler<Payload, Record<string, unknown>, Checkpoint> {
  constructor(
    private readonly providers: ClusterProviderLookup,
    private readonly repo: ClustersRepository,
  ) {}

  async run(ctx: OperationContext<Payload, Checkpoint>) {
    const id = ctx.payload.cluster_id;
    const c = await this.repo.findById(id);
    if (!c) return { cluster_id: id, removed: true };
    try {
      const provider = await this.providers.providerOf(c);
      let vendorId = c.vendorClusterId;
      if (!vendorId) vendorId = (await provider.findClusterByName(c.name))?.id ?? null;
      if (vendorId) {
        const vid = vendorId;
        const change = await ctx.step('change', async () => {
          await ctx.progress(5, `deleting ${c.name} at ${c.provider}`);
          return provider.deleteCluster(vid);
        });
        await waitForChange(ctx, provider, change, {
          from: 10,
          to: 90,
          what: `deleting ${c.name}`,
          until: async () => (await provider.getCluster(vid)) === null,
        });
      }
      // The record goes, and with it (ClusterAccessStore) this instance's client and copies.
      await this.repo.delete(id);
      await ctx.progress(100, 'destroyed');
      return { cluster_id: id, vendor_cluster_id: vendorId, removed: true };
    } catch (e) {
      // The vendor tried and failed: the cluster is in a bad way. Refused before anything happened
      // (deletion protection, a credential problem): it is what it was, with the reason.
      const status =
        e instanceof VendorChangeFailed || !ctx.payload.previous_status
          ? ClusterStatus.FAILED
          : ctx.payload.previous_status;
      await this.repo.update(id, {
        status,
        lastError: `destroy failed: ${e instanceof Error ? e.message : String(e)}`,
      });
      throw e;
    }
  }
}
