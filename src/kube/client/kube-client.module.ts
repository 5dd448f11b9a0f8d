import { Global, Module } from '@nestjs/common';
import { ClusterClientPool } from './cluster-client.pool.js';

@Global()
@Module({ providers: [ClusterClientPool], exports: [ClusterClientPool] })
export class KubeClientModule {}
