import { Module } from '@nestjs/common';
import { CredentialsModule } from '../credentials/credentials.module.js';
import { ClusterProviders } from './cluster-providers.js';

/** ClusterProvider adapters (ack/, tke/, rancher/; listed in vendor-registry.ts) behind one dispatcher. */
@Module({
  imports: [CredentialsModule],
  providers: [ClusterProviders],
  exports: [ClusterProviders],
})
export class ProvidersModule {}
