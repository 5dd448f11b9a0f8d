import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { AccessModule } from './access/access.module.js';
import { AuthModule } from './auth/auth.module.js';
import { TokensModule } from './auth/tokens/tokens.module.js';
import { SsoModule } from './auth/sso/sso.module.js';
import { ClustersModule } from './clusters/clusters.module.js';
import { AuditModule } from './common/audit/audit.module.js';
import { CryptoModule } from './common/crypto/crypto.module.js';
import { EnvelopeInterceptor } from './common/envelope.interceptor.js';
import { AllExceptionsFilter } from './common/exception.filter.js';
import { createValidationPipe } from './common/validation.js';
import type { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { CredentialsModule } from './credentials/credentials.module.js';
import { DatabaseModule } from './database/database.module.js';
import { OperationsModule } from './operations/operations.module.js';
import { ClusterAccessModule } from './kube/access/cluster-access.module.js';
import { KubeModule } from './kube/kube.module.js';
import { WatchModule } from './live/watch/watch.module.js';
import { LiveModule } from './live/live.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { NodesModule } from './nodes/nodes.module.js';
import { OpsModule } from './ops.module.js';
import { RedisModule } from './redis/redis.module.js';
import { RegistriesModule } from './registries/registries.module.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        MetricsModule,
        DatabaseModule,
        RedisModule,
        CryptoModule,
        OperationsModule,
        AuditModule,
        AccessModule,
        AuthModule,
        TokensModule,
        SsoModule,
        CredentialsModule,
        ClusterAccessModule,
        ClustersModule,
        KubeModule,
        WatchModule,
        LiveModule,
        NodesModule,
        RegistriesModule,
        OpsModule,
      ],
      providers: [
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        { provide: APP_INTERCEPTOR, useClass: EnvelopeInterceptor },
      ],
    };
  }
}
