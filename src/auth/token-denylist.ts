import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { REDIS } from '../redis/redis.module.js';

/**
 * Revoked tokens live in Redis until they would have expired anyway, so every Berth instance sees a
 * logout at once. A user can also be revoked as a whole (disabled, deleted, role or password changed):
 * every token authenticated before that moment is refused.
 */
@Injectable()
export class TokenDenylist {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async revokeToken(jti: string, exp: number): Promise<void> {
    const ttl = Math.max(1, exp - Math.floor(Date.now() / 1000));
    await this.redis.set(`denylist:jti:${jti}`, '1', 'EX', ttl);
  }

  async revokeUser(userId: string): Promise<void> {
    await this.redis.set(`denylist:user:${userId}`, String(Date.now()), 'EX', this.config.auth.jwt_ttl_seconds + 60);
  }

  /** One round trip: is this token, or every token of its user issued before `authTimeMs`, revoked? */
  async isRevoked(jti: string, userId: string, authTimeMs: number): Promise<boolean> {
    const [token, user] = await this.redis.mget(`denylist:jti:${jti}`, `denylist:user:${userId}`);
    return token !== null || (user !== null && authTimeMs <= Number(user));
  }
}
