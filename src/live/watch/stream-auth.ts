import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { createSecretKey } from 'node:crypto';
import { AppError } from '../../common/app-error.js';
import { ErrorCode } from '../../common/error-codes.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { BearerAuthenticators } from '../../auth/bearer-authenticators.js';
import type { JwtClaims } from '../../auth/jwt.strategy.js';
import type { AuthUser } from '../../auth/role.js';
import { TokenDenylist } from '../../auth/token-denylist.js';
import type { CloseReason } from './sse-stream.js';

export type Recheck = { user: AuthUser } | { reason: CloseReason; message: string };

/**
 * Authenticates an open stream's bearer token again, the way the guard did when it opened: a login JWT
 * (signature, expiry, then the durable revocation state through TokenDenylist) or a token kind another
 * module registered (API tokens, SSO). An expired, revoked or refused token ends the stream.
 */
@Injectable()
export class StreamAuth {
  private readonly jwt: JwtService;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly denylist: TokenDenylist,
    private readonly authenticators: BearerAuthenticators,
  ) {
    // A KeyObject: given a string, jsonwebtoken first tries to read it as a public key and throws, at every
    // re-check of every open stream (with 1,000 streams that was most of an idle instance's CPU).
    this.jwt = new JwtService({
      secret: createSecretKey(Buffer.from(config.auth.jwt_secret, 'utf8')) as unknown as string,
    });
  }

  async recheck(
    bearer: string,
    opened: AuthUser,
    req: { ip?: string; headers: Record<string, unknown> },
  ): Promise<Recheck> {
    if (opened.exp && opened.exp * 1000 <= Date.now())
      return { reason: 'token_expired', message: 'The bearer token has expired; log in again and reconnect' };
    try {
      const other = this.authenticators.find(bearer);
      if (other) return { user: await other.authenticate(bearer, req) };
      const claims = await this.jwt.verifyAsync<JwtClaims>(bearer, {
        algorithms: ['HS256'],
        issuer: 'berth',
      });
      const current = await this.denylist.check(claims);
      return { user: { ...opened, username: current.username, role: current.role } };
    } catch (e) {
      if ((e as Error)?.name === 'TokenExpiredError' || (opened.exp && opened.exp * 1000 <= Date.now()))
        return {
          reason: 'token_expired',
          message: 'The bearer token has expired; log in again and reconnect',
        };
      if (e instanceof AppError && e.code === ErrorCode.DEPENDENCY_UNAVAILABLE)
        return { reason: 'auth_unavailable', message: `${e.message}: the token could not be checked again` };
      return {
        reason: 'token_revoked',
        message: e instanceof AppError ? e.message : 'The bearer token is no longer valid',
      };
    }
  }
}
