import { Module } from '@nestjs/common';
import { AuditModule } from '../../common/audit/audit.module.js';
import { AuthModule } from '../auth.module.js';
import { ApiTokenAuthenticator } from './api-token.authenticator.js';
import { ApiTokensController } from './api-tokens.controller.js';
import { ApiTokensRepository } from './api-tokens.repository.js';
import { ApiTokensService } from './api-tokens.service.js';
import { ServiceAccountsController } from './service-accounts.controller.js';
import { ServiceAccountsService } from './service-accounts.service.js';
import { TokenRevocations } from './token-revocations.js';

/** API tokens (`berth_pat_…`) for machine clients, and the service accounts that hold them. */
@Module({
  imports: [AuthModule, AuditModule],
  controllers: [ApiTokensController, ServiceAccountsController],
  providers: [
    ApiTokensRepository,
    ApiTokensService,
    ApiTokenAuthenticator,
    TokenRevocations,
    ServiceAccountsService,
  ],
  exports: [ApiTokensService],
})
export class TokensModule {}
