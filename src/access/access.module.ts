import { Global, Module } from '@nestjs/common';
import { AccessService } from './access.service.js';
import { GrantsController } from './grants.controller.js';
import { GrantsService } from './grants.service.js';
import { GroupsController } from './groups.controller.js';
import { GroupsRepository } from './groups.repository.js';
import { GroupsService } from './groups.service.js';

/** Grants and the one authorization decision (AccessService), available to every module. */
@Global()
@Module({
  controllers: [GrantsController, GroupsController],
  providers: [AccessService, GrantsService, GroupsService, GroupsRepository],
  exports: [AccessService, GrantsService, GroupsService],
})
export class AccessModule {}
