import { Injectable, Logger } from '@nestjs/common';
import { GroupsService } from '../../access/groups.service.js';
import { AppError } from '../../common/app-error.js';
import { ErrorCode } from '../../common/error-codes.js';
import { AuthService } from '../auth.service.js';
import { authDependency } from '../dependency.js';
import type { LoginResponseDto } from '../dto/login.dto.js';
import { type SsoSource, SsoUsersRepository } from './sso-users.repository.js';

export interface SsoIdentity {
  source: SsoSource;
  /** OIDC issuer / LDAP server URL. */
  issuer: string;
  /** OIDC `sub` / LDAP DN. */
  subject: string;
  /** Wanted Berth username (normalised here). */
  username: string;
  /** Group names (OIDC claim values) or DNs (LDAP) as the connector reported them. */
  groups: string[];
}

const USERNAME = /^[a-z0-9][a-z0-9._@-]{1,62}$/;

/** Berth usernames are 2-63 of [a-z0-9._@-]; anything else an IdP sends is folded into that. */
export function ssoUsername(raw: string): string {
  const u = raw
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9._@-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 63);
  return USERNAME.test(u) ? u : '';
}

/**
 * The end of every SSO login: the user the connector vouched for is provisioned (first login: a human with
 * no role preset) or found by its identity (issuer + subject, never by username: a local account is never
 * taken over), its memberships from this connector replaced by the Berth groups its external groups map
 * to, and a Berth session issued.
 */
@Injectable()
export class SsoUsersService {
  private readonly logger = new Logger(SsoUsersService.name);

  constructor(
    private readonly users: SsoUsersRepository,
    private readonly groups: GroupsService,
    private readonly auth: AuthService,
  ) {}

  async signIn(id: SsoIdentity, authTime: number): Promise<{ session: LoginResponseDto; groups: string[] }> {
    const username = ssoUsername(id.username);
    if (!username)
      throw new AppError(
        ErrorCode.INVALID_CREDENTIALS,
        `The ${id.source} identity has no usable username (2-63 letters, digits, ".", "_", "@" or "-")`,
      );
    let user = await authDependency('postgres', () =>
      this.users.findByIdentity(id.source, id.issuer, id.subject),
    );
    if (user?.disabled) throw new AppError(ErrorCode.INVALID_CREDENTIALS, 'This user is disabled in Berth');
    if (!user) {
      if (await this.users.usernameTaken(username))
        throw AppError.conflict(
          `A user named ${username} already exists in Berth and is not this ${id.source} identity; an admin must rename or delete it first`,
        );
      user = await this.users.insert(id.source, id.issuer, id.subject, username);
      this.logger.log(`provisioned ${id.source} user ${username}`);
    } else if (user.username !== username && !(await this.users.usernameTaken(username, user.id))) {
      await this.users.rename(user.id, username);
      user.username = username;
    }
    const groups = await this.groups.syncExternal(user.id, id.source, id.groups);
    const session = await this.auth.issueSession(user, authTime);
    return { session, groups: groups.map((g) => g.name) };
  }
}
