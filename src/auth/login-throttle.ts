import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppError } from '../common/app-error.js';
import { ErrorCode } from '../common/error-codes.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { REDIS } from '../redis/redis.module.js';

/** Counts failed logins per (username, client address) in Redis; past the limit, login answers 429. */
@Injectable()
export class LoginThrottle {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private key(username: string, ip: string) {
    return `login-failures:${username}:${ip}`;
  }

  async assertAllowed(username: string, ip: string): Promise<void> {
    const key = this.key(username, ip);
    const [[, count], [, ttl]] = (await this.redis.multi().get(key).ttl(key).exec()) as [[null, string | null], [null, number]];
    if (Number(count ?? 0) >= this.config.auth.login_max_attempts) {
      const retry = Math.max(1, ttl);
      throw new AppError(ErrorCode.RATE_LIMITED, `Too many failed logins; retry in ${retry} s`, { retry_after_seconds: retry }, {
        'retry-after': String(retry),
      });
    }
  }

  async recordFailure(username: string, ip: string): Promise<void> {
    const key = this.key(username, ip);
    await this.redis.multi().incr(key).expire(key, this.config.auth.login_window_seconds, 'NX').exec();
  }

  async reset(username: string, ip: string): Promise<void> {
    await this.redis.del(this.key(username, ip));
  }
}
