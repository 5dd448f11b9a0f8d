import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { createRedis, REDIS } from '../../redis/redis.module.js';

/**
 * Tells every instance at once that an API token was revoked or rotated, so they drop it from their
 * 1 s state cache (Redis pub/sub). Only an accelerator: Postgres holds the revocation and every instance
 * re-reads it within `auth.state_cache_ms` whether or not a message arrives (Redis down, message lost).
 */
@Injectable()
export class TokenRevocations implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(TokenRevocations.name);
  private subscriber?: Redis;
  private readonly listeners: ((tokenId: string) => void)[] = [];
  private readonly channel: string;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.channel = `${config.redis.key_prefix}api-tokens:revoked`;
  }

  onModuleInit(): void {
    const sub = createRedis(this.config, { keyPrefix: false, name: 'berth-token-revocations' });
    this.subscriber = sub;
    sub.on('message', (channel: string, id: string) => {
      if (channel === this.channel) for (const l of this.listeners) l(id);
    });
    sub
      .subscribe(this.channel)
      .catch((e: Error) =>
        this.logger.warn(`not subscribed to token revocations (the 1 s cache still applies): ${e.message}`),
      );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }

  onRevoked(listener: (tokenId: string) => void): void {
    this.listeners.push(listener);
  }

  /** Local listeners at once; other instances through Redis, best effort. */
  async publish(tokenIds: string[]): Promise<void> {
    for (const id of tokenIds) for (const l of this.listeners) l(id);
    for (const id of tokenIds) {
      try {
        await this.redis.publish(this.channel, id);
      } catch (e) {
        this.logger.warn(`could not announce the revocation of token ${id}: ${(e as Error).message}`);
      }
    }
  }
}
