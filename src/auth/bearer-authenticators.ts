import { Injectable } from '@nestjs/common';
import type { AuthUser } from './role.js';

/**
 * A kind of bearer token besides Berth's login JWT (API tokens `berth_pat_…`, an SSO issuer's tokens).
 * `accepts` looks only at the token's shape (cheap, no I/O); `authenticate` verifies it and answers the
 * caller, or throws an AppError (401 UNAUTHENTICATED / TOKEN_REVOKED, 503 when a dependency is down).
 */
export interface BearerAuthenticator {
  readonly name: string;
  accepts(token: string): boolean;
  authenticate(token: string, req: { ip?: string; headers: Record<string, unknown> }): Promise<AuthUser>;
  /** Logout with a token of this kind: revoke it and answer true (false: not one of this kind's). */
  revoke?(user: AuthUser): Promise<boolean>;
}

/**
 * Where modules register their bearer authenticators (in onModuleInit). The guard asks them in order
 * and falls back to the login JWT when none accepts the token.
 */
@Injectable()
export class BearerAuthenticators {
  private readonly list: BearerAuthenticator[] = [];

  register(a: BearerAuthenticator): void {
    this.list.push(a);
  }

  find(token: string): BearerAuthenticator | undefined {
    return this.list.find((a) => a.accepts(token));
  }

  /** Logout of a caller that did not use a login JWT; false when no authenticator took it. */
  async revoke(user: AuthUser): Promise<boolean> {
    for (const a of this.list) if (a.revoke && (await a.revoke(user))) return true;
    return false;
  }
}
