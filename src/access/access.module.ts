import { Global, Module } from '@nestjs/common';
import { AccessService } from './access.service.js';
import { GrantsController } from './grants.controller.js';
import { GrantsService } from './grants.service.js';

/** Grants and the one authorization decision (AccessService), available to every module. */
@Global()
@Module({
  controllers: [GrantsController],
  providers: [AccessService, GrantsService],
  exports: [AccessService, GrantsService],
})
export class AccessModule {}
