import { Module } from '@nestjs/common';
import { AuthModule } from '../auth.module.js';
import { LdapDirectory, LdapService } from './ldap.service.js';
import { OidcService } from './oidc.service.js';
import { SsoController } from './sso.controller.js';
import { SsoSessions } from './sso-sessions.js';
import { SsoUsersRepository } from './sso-users.repository.js';
import { SsoUsersService } from './sso-users.service.js';

/** Single sign-on connectors (OIDC, LDAP): each proves who a user is, then Berth issues its own session. */
@Module({
  imports: [AuthModule],
  controllers: [SsoController],
  providers: [OidcService, LdapService, LdapDirectory, SsoUsersService, SsoUsersRepository, SsoSessions],
})
export class SsoModule {}
