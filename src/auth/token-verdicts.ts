import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { createRedis, REDIS } from '../redis/redis.module.js';
import { AuthState } from './auth-state.js';
import type { AuthUser } from './role.js';

interface Verdict {
  at: number;
  /** The token's own expiry (ms): a verdict never outlives its token. */
  expMs: number;
  user: AuthUser;
}

/** What a revocation message names: every token of a user, or one token. */
type Revocation = { user: string } | { jti: string };

const MAX_ENTRIES = 20_000;

/**
 * The guard's verdict on a login token (signature, claims, the denylist and the user's current state from
 * Postgres), kept in-process for `auth.state_cache_ms` (1 s) so that a caller's next requests skip the
 * verification and the Redis round trip. Revocations drop verdicts: this instance's at once (AuthState),
 * other instances' at once through Redis pub/sub, and in any case within `auth.state_cache_ms`.
 *
 * Verdicts are only used while the subscription to revocations is up: with Redis unreachable every
 * request is verified afresh (and fails closed with 503, as without this cache).
 */
@Injectable()
export class TokenVerdicts implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(TokenVerdicts.name);
  private readonly cache = new Map<string, Verdict>();
  private readonly channel: string;
  private subscriber?: Redis;
  /** True while the subscription is up: only then may a verdict be reused. */
  private live = false;
  /** Bumped by every revocation: a verdict reached across one is not kept. */
  private generation = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly state: AuthState,
  ) {
    this.channel = `${config.redis.key_prefix}auth:revocations`;
  }

  onModuleInit(): void {
    if (this.config.auth.state_cache_ms <= 0) return;
    const sub = createRedis(this.config, { keyPrefix: false, name: 'berth-revocations' });
    this.subscriber = sub;
    const down = () => {
      this.live = false;
      this.generation++;
      this.cache.clear();
    };
    sub.on('ready', () => {
      sub.subscribe(this.channel).then(
        () => (this.live = sub.status === 'ready'),
        () => down(),
      );
    });
    sub.on('close', down).on('end', down).on('error', down);
    sub.on('message', (_channel: string, text: string) => {
      try {
        this.drop(JSON.parse(text) as Revocation);
      } catch {
        this.cache.clear();
      }
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.live = false;
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }

  get(token: string): AuthUser | undefined {
    if (!this.live) return undefined;
    const v = this.cache.get(token);
    if (!v) return undefined;
    const now = Date.now();
    if (now - v.at >= this.config.auth.state_cache_ms || now >= v.expMs) {
      this.cache.delete(token);
      return undefined;
    }
    return { ...v.user };
  }

  /** Where a verification starts: hand it to `set` with the verdict. */
  begin(): { at: number; generation: number } {
    return { at: Date.now(), generation: this.generation };
  }

  /** Keeps a verdict reached since `begin` unless a revocation (or an outage) came in between. */
  set(token: string, user: AuthUser, { at, generation }: { at: number; generation: number }): void {
    if (!this.live || generation !== this.generation) return;
    if (this.cache.size >= MAX_ENTRIES) this.evict();
    // The verdict rests on the user's state as read from Postgres: it ages from that read.
    at = Math.min(at, this.state.readAt(user.id, user.jti) ?? at);
    this.cache.set(token, { at, expMs: user.exp * 1000, user: { ...user } });
  }

  /** Drops this instance's verdicts of a user's tokens, or of one token. */
  drop(r: Revocation): void {
    this.generation++;
    for (const [token, v] of this.cache)
      if ('user' in r ? v.user.id === r.user : v.user.jti === r.jti) this.cache.delete(token);
  }

  /** Tells every instance (this one included) to drop the verdicts; best effort, the TTL bounds the rest. */
  async publish(r: Revocation): Promise<void> {
    this.drop(r);
    try {
      await this.redis.publish(this.channel, JSON.stringify(r));
    } catch (e) {
      this.logger.warn(`could not publish a revocation: ${(e as Error).message}`);
    }
  }

  private evict(): void {
    const now = Date.now();
    for (const [token, v] of this.cache)
      if (now - v.at >= this.config.auth.state_cache_ms) this.cache.delete(token);
    if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
  }
}
