import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppError } from '../../common/app-error.js';
import { ErrorCode } from '../../common/error-codes.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { REDIS } from '../../redis/redis.module.js';
import { authDependency } from '../dependency.js';

/** Takes one attempt unless the budget is spent: {allowed, wait_ms}. KEYS: the address key. ARGV: window s, limit. */
const TAKE = `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[2]) then return {0, redis.call('PTTL', KEYS[1])} end
redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1])) end
return {1, 0}
`;
const GIVE_BACK = `
if redis.call('EXISTS', KEYS[1]) == 1 and redis.call('DECR', KEYS[1]) <= 0 then redis.call('DEL', KEYS[1]) end
return 1
`;

/**
 * Refresh attempts per client address, throttled like logins (BERTH_LOGIN_MAX_ATTEMPTS per
 * BERTH_LOGIN_WINDOW_SECONDS): counted before the token is checked, given back when it was good.
 * Redis unavailable → 503, never an unthrottled attempt.
 */
@Injectable()
export class RefreshThrottle {
  private readonly logger = new Logger(RefreshThrottle.name);

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async take(ip: string): Promise<void> {
    const { login_window_seconds, login_max_attempts } = this.config.auth;
    const [allowed, waitMs] = (await authDependency('redis', () =>
      this.redis.eval(TAKE, 1, `refresh-attempts:addr:${ip}`, login_window_seconds, login_max_attempts),
    )) as [number, number];
    if (allowed === 1) return;
    const retry = Math.max(1, Math.ceil((waitMs > 0 ? waitMs : login_window_seconds * 1000) / 1000));
    throw new AppError(
      ErrorCode.RATE_LIMITED,
      `Too many failed refreshes; retry in ${retry} s`,
      { retry_after_seconds: retry },
      { 'retry-after': String(retry) },
    );
  }

  async succeeded(ip: string): Promise<void> {
    try {
      await authDependency('redis', () => this.redis.eval(GIVE_BACK, 1, `refresh-attempts:addr:${ip}`));
    } catch (e) {
      this.logger.warn(`could not give back the refresh attempt of ${ip}: ${(e as Error).message}`);
    }
  }
}
