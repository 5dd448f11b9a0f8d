import { Module } from '@nestjs/common';
import { CredentialsModule } from '../credentials/credentials.module.js';
import { ClusterProviderLookup } from './cluster-provider-lookup.js';
import { ClusterProviders } from './cluster-providers.js';

/** ClusterProvider adapters (ack/, tke/, rancher/; listed in vendor-registry.ts) behind one dispatcher. */
@Module({
  imports: [CredentialsModule],
  providers: [ClusterProviders, ClusterProviderLookup],
  exports: [ClusterProviders, ClusterProviderLookup],
})
export class ProvidersModule {}
