import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppError } from '../common/app-error.js';
import { ErrorCode } from '../common/error-codes.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { REDIS } from '../redis/redis.module.js';
import { AuthState } from './auth-state.js';
import { authDependency } from './dependency.js';
import { TokenVerdicts } from './token-verdicts.js';
import type { JwtClaims } from './jwt.strategy.js';
import type { Role } from './role.js';

export interface CurrentUserState {
  username: string;
  role: Role;
}

/**
 * Revocation. Postgres is the truth: `users.tokens_valid_after`, `users.disabled`, `users.role` and
 * `revoked_tokens` (read through AuthState's short cache). Redis holds a copy of each revocation so every
 * instance sees it at once rather than within the cache TTL; Redis is only ever a positive cache, so losing
 * it (restart, flush) can make Berth stricter, never looser. Either store unavailable → 503, never "allow".
 */
@Injectable()
export class TokenDenylist {
  private readonly logger = new Logger(TokenDenylist.name);

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly state: AuthState,
    private readonly verdicts: TokenVerdicts,
  ) {}

  /** Logout: durable first (a failure is a 503 and the logout did not happen), then the fast copy. */
  async revokeToken(userId: string, jti: string, exp: number): Promise<void> {
    await this.state.revokeToken(userId, jti, exp);
    this.verdicts.drop({ jti });
    const ttl = Math.max(1, exp - Math.floor(Date.now() / 1000));
    await this.bestEffort(() => this.redis.set(`denylist:jti:${jti}`, '1', 'EX', ttl), `token ${jti}`);
    // After the denylist copy: an instance that drops its verdict and verifies again finds the key.
    await this.verdicts.publish({ jti });
  }

  /** After `users.tokens_valid_after` was moved (role, password or state changed, user deleted) in Postgres. */
  async revokeUser(userId: string): Promise<void> {
    this.state.invalidateUser(userId);
    this.verdicts.drop({ user: userId });
    await this.bestEffort(
      () =>
        this.redis.set(
          `denylist:user:${userId}`,
          String(Date.now()),
          'EX',
          this.config.auth.jwt_ttl_seconds + 60,
        ),
      `user ${userId}`,
    );
    await this.verdicts.publish({ user: userId });
  }

  /**
   * One Redis round trip and one cached Postgres lookup (in parallel). Throws 401 TOKEN_REVOKED when any
   * source refuses the token; returns the user's CURRENT username and role (from Postgres, not the token).
   */
  async check(claims: JwtClaims): Promise<CurrentUserState> {
    const [[token, user], state] = await Promise.all([
      authDependency('redis', () =>
        this.redis.mget(`denylist:jti:${claims.jti}`, `denylist:user:${claims.sub}`),
      ),
      this.state.lookup(claims.sub, claims.jti),
    ]);
    const revoked = (message: string) => new AppError(ErrorCode.TOKEN_REVOKED, message);
    if (!state.user) throw revoked('The user of this token no longer exists');
    if (state.user.disabled) throw revoked('The user of this token is disabled');
    if (
      token !== null ||
      state.jtiRevoked ||
      claims.auth_time <= state.user.tokensValidAfterMs ||
      (user !== null && claims.auth_time <= Number(user))
    ) {
      throw revoked('The bearer token has been revoked; log in again');
    }
    return { username: state.user.username, role: state.user.role };
  }

  private async bestEffort(work: () => Promise<unknown>, what: string): Promise<void> {
    try {
      await authDependency('redis', work);
    } catch {
      // Postgres already holds the revocation; other instances see it within auth.state_cache_ms.
      this.logger.warn(`could not copy the revocation of ${what} to Redis; it is durable in Postgres`);
    }
  }
}
