import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AccessDeclarationsCheck } from './access-declarations.check.js';
import { AccessService } from './access.service.js';
import { GrantsController } from './grants.controller.js';
import { GrantsService } from './grants.service.js';
import { GroupsController } from './groups.controller.js';
import { GroupsRepository } from './groups.repository.js';
import { GroupsService } from './groups.service.js';

/** Grants and the one authorization decision (AccessService), available to every module. */
@Global()
@Module({
  imports: [DiscoveryModule],
  controllers: [GrantsController, GroupsController],
  providers: [AccessService, GrantsService, GroupsService, GroupsRepository, AccessDeclarationsCheck],
  exports: [AccessService, GrantsService, GroupsService],
})
export class AccessModule {}
