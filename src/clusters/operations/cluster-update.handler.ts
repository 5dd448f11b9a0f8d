import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/app-error.js';
import { ErrorCode } from '../../common/error-codes.js';
import type { JsonObject } from '../../common/json.js';
import {
  HandlesOperation,
  type OperationContext,
  type OperationHandler,
} from '../../operations/operation-handler.js';
import { OperationType } from '../../operations/operation-types.js';
import type { VendorChange } from '../../providers/cluster-provider.js';
import type { ClusterEntity } from '../cluster.entity.js';
import { ClustersRepository } from '../clusters.repository.js';
import { ClusterProviderLookup } from '../../providers/cluster-provider-lookup.js';
import { waitForChange } from '../../providers/vendor-wait.js';

interface Payload {
  cluster_id: string;
  change: { name?: string; description?: string; deletion_protection?: boolean };
}

/** The vendor's ticket for the change (null: it was done at once). */
interface Checkpoint {
  change: VendorChange | null;
}

/** clusters.update: vendor-side name / description / deletion protection; the record follows once the vendor is done. */
@Injectable()
@HandlesOperation(OperationType.CLUSTER_UPDATE)
export class ClusterUpdateHandler implements OperationHandler<Payload, Record<string, unknown>, Checkpoint> {
  constructor(
    private readonly providers: ClusterProviderLookup,
    private readonly repo: ClustersRepository,
  ) {}

  async run(ctx: OperationContext<Payload, Checkpoint>) {
    const { cluster_id: id, change } = ctx.payload;
    const c = await this.repo.findById(id);
    if (!c?.vendorClusterId)
      throw new AppError(ErrorCode.NOT_FOUND, `cluster ${id} is gone or has no vendor cluster`);
    const provider = await this.providers.providerOf(c);
    const vid = c.vendorClusterId;
    const ticket = await ctx.step('change', async () => {
      await ctx.progress(10, `changing ${c.name} at ${c.provider}`);
      return provider.updateCluster(vid, change);
    });
    if (ticket) await waitForChange(ctx, provider, ticket, { from: 20, to: 90, what: `changing ${c.name}` });
    const patch: Partial<ClusterEntity> = {};
    if (change.name !== undefined) patch.name = change.name;
    if (change.description !== undefined) patch.description = change.description;
    if (change.deletion_protection !== undefined)
      patch.vendorSpec = {
        ...(c.vendorSpec ?? {}),
        deletion_protection: change.deletion_protection,
      } as JsonObject;
    if (Object.keys(patch).length) await this.repo.update(id, patch);
    await ctx.progress(100, 'changed');
    return { cluster_id: id, changed: Object.keys(change) };
  }
}
