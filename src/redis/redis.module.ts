import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

export const REDIS = Symbol('REDIS');

/** Reconnect quickly and forever: an outage ends as soon as Redis is back, without restarting Berth. */
const reconnectDelay = (times: number) => Math.min(50 * times, 1000);

/**
 * Berth's own Redis client. Every command is bounded (`commandTimeout`): a frozen or unreachable Redis
 * answers "Command timed out" within `BERTH_REDIS_COMMAND_TIMEOUT_MS`, which the exception filter turns
 * into 503. Commands wait in the offline queue only until the first connection is up; after that a command
 * sent while disconnected fails at once instead of piling up behind a dead socket.
 */
export function createRedis(config: AppConfig, opts: { keyPrefix?: boolean; name?: string } = {}): Redis {
  const logger = new Logger('Redis');
  const redis = new Redis(config.redis.url, {
    keyPrefix: opts.keyPrefix === false ? undefined : config.redis.key_prefix,
    connectionName: opts.name ?? 'berth',
    maxRetriesPerRequest: 1,
    commandTimeout: config.redis.command_timeout_ms,
    connectTimeout: config.redis.connect_timeout_ms,
    enableOfflineQueue: true,
    retryStrategy: reconnectDelay,
  });
  let down = false;
  redis.once('ready', () => (redis.options.enableOfflineQueue = false));
  redis.on('ready', () => {
    if (down) logger.log('Redis connection is back');
    down = false;
  });
  // Without a listener ioredis prints every reconnect failure to the console; log the outage once instead.
  redis.on('error', (e: Error) => {
    if (!down) logger.warn(`Redis connection lost: ${e.message}`);
    down = true;
  });
  return redis;
}

/**
 * Connection options for bull's queues. bull gives its blocking and subscriber connections
 * `maxRetriesPerRequest: null` itself (it must: they wait on BRPOPLPUSH); this bounds its command client,
 * so that `queue.add` while Redis is down fails instead of waiting through 20 retries, and makes all three
 * reconnect within a second of Redis coming back (bull's default backoff grows to 20 s).
 * No `commandTimeout` here: it would also cut bull's blocking commands.
 */
export function bullRedisOptions(config: AppConfig): RedisOptions {
  return {
    maxRetriesPerRequest: 1,
    connectTimeout: config.redis.connect_timeout_ms,
    retryStrategy: reconnectDelay,
  };
}

@Global()
@Module({
  providers: [
    { provide: REDIS, inject: [APP_CONFIG], useFactory: (config: AppConfig) => createRedis(config) },
  ],
  exports: [REDIS],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
