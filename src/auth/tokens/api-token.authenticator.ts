import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { AuditService } from '../../common/audit/audit.service.js';
import { AppError } from '../../common/app-error.js';
import { ErrorCode } from '../../common/error-codes.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { type BearerAuthenticator, BearerAuthenticators } from '../bearer-authenticators.js';
import { AuthState } from '../auth-state.js';
import { authDependency } from '../dependency.js';
import type { AuthUser } from '../role.js';
import { ApiTokensRepository, type ApiTokenState } from './api-tokens.repository.js';
import { API_TOKEN_PREFIX, sameHash, secretHash, wellFormed } from './token-secret.js';
import { TokenRevocations } from './token-revocations.js';

/** `last_used_at` is written at most this often per token and instance (a new address is written at once). */
export const LAST_USED_WRITE_MS = 60_000;
const MAX_ENTRIES = 20_000;

interface CacheEntry {
  at: number;
  tokenId?: string;
  state: Promise<ApiTokenState | null>;
}

const unauthenticated = (m: string) => new AppError(ErrorCode.UNAUTHENTICATED, m);
const revoked = (m: string) => new AppError(ErrorCode.TOKEN_REVOKED, m);

/**
 * `Authorization: Bearer berth_pat_…`: the checksum is checked first (no I/O for typos and garbage), then
 * the SHA-256 of the secret is looked up through a per-instance cache of `auth.state_cache_ms` (1 s),
 * dropped at once on this instance and through Redis on the others when a token is revoked or rotated.
 * The caller acts as the token's owner, bounded by the token's own grants (AccessService's two layers).
 */
@Injectable()
export class ApiTokenAuthenticator implements BearerAuthenticator, OnModuleInit {
  readonly name = 'api-token';
  private readonly logger = new Logger(ApiTokenAuthenticator.name);
  private readonly cache = new Map<string, CacheEntry>();
  /** Per token: when this instance last wrote last_used_at, and the addresses it already recorded. */
  private readonly usage = new Map<string, { writtenAt: number; ips: Set<string> }>();

  constructor(
    private readonly registry: BearerAuthenticators,
    private readonly repo: ApiTokensRepository,
    private readonly revocations: TokenRevocations,
    private readonly audit: AuditService,
    private readonly ds: DataSource,
    private readonly authState: AuthState,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
    this.revocations.onRevoked((id) => this.forget(id));
  }

  accepts(token: string): boolean {
    return token.startsWith(API_TOKEN_PREFIX);
  }

  async authenticate(
    token: string,
    req: { ip?: string; headers: Record<string, unknown> },
  ): Promise<AuthUser> {
    if (!wellFormed(token, API_TOKEN_PREFIX))
      throw unauthenticated('The API token is malformed (wrong length or checksum): copy it again');
    const hash = secretHash(token);
    const state = await this.lookup(hash);
    if (!state || !sameHash(state.secretHash, hash))
      throw unauthenticated(
        'The API token is not known: it was never issued, was replaced by a rotation, or its owner was deleted',
      );
    if (state.revoked) throw revoked('This API token has been revoked');
    if (state.expiresAtMs <= Date.now())
      throw unauthenticated(`This API token expired at ${new Date(state.expiresAtMs).toISOString()}`);
    // The owner's state through AuthState (the same 1 s cache as login tokens, dropped at once on this
    // instance when the user is changed or deleted).
    const owner = (await this.authState.lookup(state.userId, `pat:${state.id}`)).user;
    if (!owner) throw revoked('The owner of this API token no longer exists');
    if (owner.disabled) throw revoked('The owner of this API token is disabled');
    const user: AuthUser = {
      id: state.userId,
      username: owner.username,
      role: owner.role,
      jti: `pat:${state.id}`,
      exp: Math.floor(state.expiresAtMs / 1000),
      tokenId: state.id,
    };
    await this.recordUse(user, req.ip ?? 'unknown', req as unknown as FastifyRequest);
    return user;
  }

  /** Logout with an API token revokes the token. */
  async revoke(user: AuthUser): Promise<boolean> {
    if (!user.tokenId) return false;
    await authDependency('postgres', () => this.repo.revoke(user.tokenId!));
    await this.revocations.publish([user.tokenId]);
    return true;
  }

  /** Drops a token from this instance's cache (revoked, rotated, owner deleted). */
  forget(tokenId: string): void {
    for (const [k, e] of this.cache) if (e.tokenId === tokenId) this.cache.delete(k);
    this.usage.delete(tokenId);
  }

  private lookup(hash: Buffer): Promise<ApiTokenState | null> {
    const key = hash.toString('base64');
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < this.config.auth.state_cache_ms) return hit.state;
    const state = authDependency('postgres', () => this.repo.state(hash));
    if (this.config.auth.state_cache_ms > 0) {
      if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
      const entry: CacheEntry = { at: now, state };
      this.cache.set(key, entry);
      state.then(
        (s) => (entry.tokenId = s?.id),
        () => {
          if (this.cache.get(key) === entry) this.cache.delete(key);
        },
      );
    }
    return state;
  }

  /**
   * The first use from an address (on this instance) is written before the request goes on, with an
   * audit row `token.new-address` in the same transaction when the address is new to the token; after
   * that, `last_used_at` is refreshed in the background at most once per LAST_USED_WRITE_MS.
   */
  private async recordUse(user: AuthUser, ip: string, req: FastifyRequest): Promise<void> {
    const id = user.tokenId!;
    const now = Date.now();
    const seen = this.usage.get(id);
    if (seen?.ips.has(ip)) {
      if (now - seen.writtenAt >= LAST_USED_WRITE_MS) {
        seen.writtenAt = now;
        this.repo
          .touchTime(id, ip)
          .catch((e: Error) => this.logger.warn(`could not record the use of token ${id}: ${e.message}`));
      }
      return;
    }
    await authDependency('postgres', () =>
      this.ds.transaction(async (m) => {
        const { newAddress } = await this.repo.touch(id, ip, m);
        if (newAddress)
          await this.audit.event(
            {
              action: 'token.new-address',
              actor: { id: user.id, username: user.username, tokenId: id },
              targetType: 'tokens',
              targetId: id,
              req,
              ip,
            },
            m,
          );
      }),
    );
    if (this.usage.size >= MAX_ENTRIES) this.usage.clear();
    const entry = this.usage.get(id) ?? { writtenAt: now, ips: new Set<string>() };
    entry.writtenAt = now;
    entry.ips.add(ip);
    this.usage.set(id, entry);
  }
}
