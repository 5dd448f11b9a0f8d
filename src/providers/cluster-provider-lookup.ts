import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { ErrorCode } from '../common/error-codes.js';
import type { ClusterProvider, ProviderCapabilities } from './cluster-provider.js';
import { ClusterProviders } from './cluster-providers.js';

/** What a cluster record says about its vendor (a ClusterEntity is one). */
export interface VendorClusterRef {
  name: string;
  provider: string;
  credentialId: string | null;
}

/** What a cluster without a vendor (imported) can do at one: nothing. */
export const NO_CAPABILITIES: ProviderCapabilities = {
  create: false,
  destroy: false,
  update: [],
  node_pools: { list: false, create: false, resize: false, delete: false, autoscaling: false },
  remove_nodes: false,
};

/** Answers "which provider, with which capabilities, does this cluster have" for clusters, node pools and their operations. */
@Injectable()
export class ClusterProviderLookup {
  constructor(private readonly providers: ClusterProviders) {}

  /** What the cluster's provider can do (nothing for imported clusters). */
  capabilitiesOf(c: Pick<VendorClusterRef, 'provider'>): ProviderCapabilities {
    return this.providers.capabilities(c.provider) ?? NO_CAPABILITIES;
  }

  /** The adapter of a vendor cluster, with its stored credential; an imported cluster has none (422). */
  async providerOf(c: VendorClusterRef): Promise<ClusterProvider> {
    if (c.provider === 'imported' || !c.credentialId) {
      throw new AppError(
        ErrorCode.UNPROCESSABLE,
        `Cluster ${c.name} is imported: Berth does not manage it at a vendor`,
        { provider: c.provider },
      );
    }
    return this.providers.forCredential(c.provider, c.credentialId);
  }
}
