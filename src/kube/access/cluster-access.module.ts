import { Global, Module } from '@nestjs/common';
import { ClusterClientPool } from '../client/cluster-client.pool.js';
import { ClusterAccessRepository } from './cluster-access.repository.js';
import { ClusterAccessStore } from './cluster-access.store.js';
import { ClusterAccessVerifier } from './cluster-access.verifier.js';
import { ClusterClients } from './cluster-clients.js';
import { ClusterProber } from './cluster-prober.js';
import { CredentialRenewal } from './credential-renewal.js';

/**
 * Cluster access, below everything that talks to a cluster: the sealed credential (store), its
 * verification, the client pool and record cache, and the typed facade (KubeApi). Imports nothing
 * from the modules above it.
 */
@Global()
@Module({
  providers: [
    ClusterClientPool,
    ClusterAccessRepository,
    ClusterAccessStore,
    ClusterAccessVerifier,
    ClusterClients,
    ClusterProber,
    CredentialRenewal,
  ],
  exports: [
    ClusterClientPool,
    ClusterAccessStore,
    ClusterAccessVerifier,
    ClusterClients,
    ClusterProber,
    CredentialRenewal,
  ],
})
export class ClusterAccessModule {}
