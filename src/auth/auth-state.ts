import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { authDependency } from './dependency.js';
import type { Role } from './role.js';

/** What Postgres says about one token: its user's current state, and whether the token was logged out. */
export interface TokenState {
  /** null: the user no longer exists. */
  user: { username: string; role: Role; disabled: boolean; tokensValidAfterMs: number } | null;
  jtiRevoked: boolean;
}

interface Entry {
  at: number;
  userId: string;
  state: Promise<TokenState>;
}

const MAX_ENTRIES = 20_000;

/**
 * The durable side of authentication, read through a short per-instance cache: one Postgres query per
 * token per `auth.state_cache_ms` (default 1 s), never one per request. Concurrent misses share one query.
 * Changes made by this instance (logout, user changed or deleted) drop the affected entries at once;
 * other instances see them within the cache TTL (and at once through the Redis denylist).
 * Postgres unavailable or slow → 503 (the entry is not cached).
 */
@Injectable()
export class AuthState {
  private readonly cache = new Map<string, Entry>();

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  lookup(userId: string, jti: string): Promise<TokenState> {
    const key = `${userId} ${jti}`;
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < this.config.auth.state_cache_ms) return hit.state;
    const state = authDependency('postgres', () => this.query(userId, jti));
    if (this.config.auth.state_cache_ms > 0) {
      if (this.cache.size >= MAX_ENTRIES) this.evict(now);
      this.cache.set(key, { at: now, userId, state });
      state.catch(() => {
        if (this.cache.get(key)?.state === state) this.cache.delete(key);
      });
    }
    return state;
  }

  /** When the cached state of a token was read (undefined: none cached): a verdict on it lasts no longer than it. */
  readAt(userId: string, jti: string): number | undefined {
    return this.cache.get(`${userId} ${jti}`)?.at;
  }

  invalidateUser(userId: string): void {
    for (const [key, e] of this.cache) if (e.userId === userId) this.cache.delete(key);
  }

  invalidateToken(userId: string, jti: string): void {
    this.cache.delete(`${userId} ${jti}`);
  }

  /** Durable logout of one token; the row is kept until the token would have expired anyway. */
  async revokeToken(userId: string, jti: string, expSeconds: number): Promise<void> {
    await authDependency('postgres', () =>
      this.dataSource.query(
        `WITH pruned AS (DELETE FROM revoked_tokens WHERE expires_at < now())
         INSERT INTO revoked_tokens (jti, user_id, expires_at) VALUES ($1, $2, to_timestamp($3))
         ON CONFLICT (jti) DO NOTHING`,
        [jti, userId, expSeconds],
      ),
    );
    this.invalidateToken(userId, jti);
  }

  private async query(userId: string, jti: string): Promise<TokenState> {
    const rows = (await this.dataSource.query(
      `SELECT u.username, u.role, u.disabled,
              floor(extract(epoch FROM u.tokens_valid_after) * 1000)::float8 AS valid_after_ms,
              EXISTS (SELECT 1 FROM revoked_tokens r WHERE r.jti = $2) AS jti_revoked
         FROM (SELECT 1) one LEFT JOIN users u ON u.id = $1`,
      [userId, jti],
    )) as {
      username: string | null;
      role: Role;
      disabled: boolean;
      valid_after_ms: number;
      jti_revoked: boolean;
    }[];
    const row = rows[0];
    return {
      user:
        row?.username != null
          ? {
              username: row.username,
              role: row.role,
              disabled: row.disabled,
              tokensValidAfterMs: Number(row.valid_after_ms),
            }
          : null,
      jtiRevoked: row?.jti_revoked === true,
    };
  }

  private evict(now: number): void {
    for (const [key, e] of this.cache)
      if (now - e.at >= this.config.auth.state_cache_ms) this.cache.delete(key);
    // Still full (a burst of distinct live tokens): drop the oldest half.
    if (this.cache.size >= MAX_ENTRIES) {
      let n = this.cache.size / 2;
      for (const key of this.cache.keys()) {
        if (n-- <= 0) break;
        this.cache.delete(key);
      }
    }
  }
}
