import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppError } from '../common/app-error.js';
import { ErrorCode } from '../common/error-codes.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { REDIS } from '../redis/redis.module.js';
import { authDependency } from './dependency.js';

/**
 * Takes one attempt from both budgets (this username from this address, and this username from
 * anywhere) atomically, or refuses without taking any. Returns {allowed, retry_ms}.
 * KEYS: address key, account key. ARGV: window seconds, address limit, account limit.
 */
const TAKE = `
local window = tonumber(ARGV[1])
local a = tonumber(redis.call('GET', KEYS[1]) or '0')
local b = tonumber(redis.call('GET', KEYS[2]) or '0')
if a >= tonumber(ARGV[2]) or b >= tonumber(ARGV[3]) then
  local wait = 0
  if a >= tonumber(ARGV[2]) then wait = redis.call('PTTL', KEYS[1]) end
  if b >= tonumber(ARGV[3]) then wait = math.max(wait, redis.call('PTTL', KEYS[2])) end
  return {0, wait}
end
for i = 1, 2 do
  redis.call('INCR', KEYS[i])
  if redis.call('PTTL', KEYS[i]) < 0 then redis.call('EXPIRE', KEYS[i], window) end
end
return {1, 0}
`;

/** After a successful login: the address budget starts over; the account gets back the one attempt taken. */
const GIVE_BACK = `
redis.call('DEL', KEYS[1])
if redis.call('EXISTS', KEYS[2]) == 1 and redis.call('DECR', KEYS[2]) <= 0 then redis.call('DEL', KEYS[2]) end
return 1
`;

/**
 * Login attempts per (username, client address) and per username across all addresses, in Redis.
 * An attempt is counted BEFORE the password is checked, in one atomic script, so parallel requests cannot
 * all pass a check made before any of them is counted. Past either limit, login answers 429 with
 * Retry-After. Unknown usernames are counted exactly like known ones. Redis unavailable → 503, never
 * an unthrottled attempt.
 */
@Injectable()
export class LoginThrottle {
  private readonly logger = new Logger(LoginThrottle.name);

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private keys(username: string, ip: string): [string, string] {
    const user = encodeURIComponent(username);
    return [`login-attempts:addr:${ip}:${user}`, `login-attempts:account:${user}`];
  }

  /** Takes one attempt or throws 429 (no attempt taken) / 503. */
  async take(username: string, ip: string): Promise<void> {
    const { login_window_seconds, login_max_attempts, login_max_attempts_per_account } = this.config.auth;
    const [allowed, waitMs] = (await authDependency('redis', () =>
      this.redis.eval(
        TAKE,
        2,
        ...this.keys(username, ip),
        login_window_seconds,
        login_max_attempts,
        login_max_attempts_per_account,
      ),
    )) as [number, number];
    if (allowed === 1) return;
    const retry = Math.max(1, Math.ceil((waitMs > 0 ? waitMs : login_window_seconds * 1000) / 1000));
    throw new AppError(
      ErrorCode.RATE_LIMITED,
      `Too many failed logins; retry in ${retry} s`,
      { retry_after_seconds: retry },
      {
        'retry-after': String(retry),
      },
    );
  }

  /** A successful login is not held against the user. Best effort: the attempt was already throttled. */
  async succeeded(username: string, ip: string): Promise<void> {
    try {
      await authDependency('redis', () => this.redis.eval(GIVE_BACK, 2, ...this.keys(username, ip)));
    } catch (e) {
      this.logger.warn(`could not give back the login attempt of ${username}: ${(e as Error).message}`);
    }
  }
}
