import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppError } from '../../common/app-error.js';
import { ErrorCode } from '../../common/error-codes.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { authDependency } from '../dependency.js';
import { TokenDenylist } from '../token-denylist.js';
import { newSecret, REFRESH_TOKEN_PREFIX, sameHash, secretHash, wellFormed } from './token-secret.js';

/** The login JWT a refresh token was issued with (revoked with its family). */
export interface SessionRef {
  jti: string;
  /** JWT `exp`, seconds. */
  exp: number;
}

export interface IssuedRefresh {
  refreshToken: string;
  expiresIn: number;
}

interface Row {
  id: string;
  family_id: string;
  user_id: string;
  secret_hash: Buffer;
  auth_time_ms: string;
  used: boolean;
  revoked: boolean;
  expired: boolean;
  username: string | null;
  disabled: boolean | null;
  kind: string | null;
  valid_after_ms: number | null;
}

type Outcome =
  | { ok: true; userId: string; authTime: number; issued: IssuedRefresh }
  | { ok: false; error: AppError; revokeFamily?: { id: string; userId: string } };

/**
 * Rotating refresh tokens for login sessions (`berth_rt_…`, stored as SHA-256). One family per login;
 * each use marks the token used and issues the next, with a fresh access JWT. A used token presented
 * again means it was copied: the whole family ends (its refresh tokens and every access JWT it issued),
 * so a thief and the victim both have to log in again. Logout ends the family too.
 */
@Injectable()
export class RefreshTokensService {
  private readonly logger = new Logger(RefreshTokensService.name);

  constructor(
    private readonly ds: DataSource,
    private readonly denylist: TokenDenylist,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The first refresh token of a new session (a login). */
  start(userId: string, authTime: number, session: SessionRef): Promise<IssuedRefresh> {
    return authDependency('postgres', () => this.insert(this.ds, randomUUID(), userId, authTime, session));
  }

  /**
   * Uses a refresh token once: answers its owner and the session's auth_time, with the next refresh token
   * (already stored for `next`, the access JWT about to be signed). Throws 401 otherwise.
   */
  async rotate(
    secret: string,
    next: SessionRef,
  ): Promise<{ userId: string; authTime: number; issued: IssuedRefresh }> {
    if (!wellFormed(secret, REFRESH_TOKEN_PREFIX))
      throw new AppError(
        ErrorCode.UNAUTHENTICATED,
        'The refresh token is malformed (wrong length or checksum)',
      );
    const hash = secretHash(secret);
    const outcome = await authDependency('postgres', () =>
      this.ds.transaction((m) => this.consume(m, hash, next)),
    );
    if (outcome.ok) return outcome;
    if (outcome.revokeFamily) await this.revokeFamily(outcome.revokeFamily.id);
    throw outcome.error;
  }

  private async consume(m: { query: DataSource['query'] }, hash: Buffer, next: SessionRef): Promise<Outcome> {
    const rows = (await m.query(
      `SELECT r.id, r.family_id, r.user_id, r.secret_hash, r.auth_time_ms,
              r.used_at IS NOT NULL AS used, r.revoked_at IS NOT NULL AS revoked, r.expires_at <= now() AS expired,
              u.username, u.disabled, u.kind,
              floor(extract(epoch FROM u.tokens_valid_after) * 1000)::float8 AS valid_after_ms
         FROM refresh_tokens r LEFT JOIN users u ON u.id = r.user_id
        WHERE r.secret_hash = $1 FOR UPDATE OF r`,
      [hash],
    )) as Row[];
    const r = rows[0];
    const fail = (code: ErrorCode, message: string, revoke = false): Outcome => ({
      ok: false,
      error: new AppError(code, message),
      revokeFamily: revoke && r ? { id: r.family_id, userId: r.user_id } : undefined,
    });
    if (!r || !sameHash(r.secret_hash, hash))
      return fail(ErrorCode.UNAUTHENTICATED, 'The refresh token is not known; log in again');
    if (r.revoked)
      return fail(
        ErrorCode.TOKEN_REVOKED,
        'This session has ended (logout or a reused refresh token); log in again',
      );
    if (r.used) {
      this.logger.warn(
        { family_id: r.family_id, user_id: r.user_id },
        'a used refresh token was presented again: ending its session',
      );
      return fail(
        ErrorCode.TOKEN_REVOKED,
        'This refresh token was already used: the session is ended in case it was copied; log in again',
        true,
      );
    }
    if (r.expired) return fail(ErrorCode.UNAUTHENTICATED, 'The refresh token has expired; log in again');
    const authTime = Number(r.auth_time_ms);
    if (r.username === null)
      return fail(ErrorCode.TOKEN_REVOKED, 'The user of this session no longer exists', true);
    if (r.disabled) return fail(ErrorCode.TOKEN_REVOKED, 'The user of this session is disabled', true);
    if (r.kind === 'service')
      return fail(ErrorCode.TOKEN_REVOKED, 'Service accounts have no login sessions', true);
    if (authTime <= Number(r.valid_after_ms))
      return fail(
        ErrorCode.TOKEN_REVOKED,
        'This session was ended (role, password or state changed); log in again',
        true,
      );
    await m.query(`UPDATE refresh_tokens SET used_at = now() WHERE id = $1`, [r.id]);
    const issued = await this.insert(m, r.family_id, r.user_id, authTime, next);
    return { ok: true, userId: r.user_id, authTime, issued };
  }

  /** Logout: ends the family of the session this access JWT belongs to (no-op for sessions without one). */
  async revokeSessionOf(jti: string): Promise<void> {
    const rows = (await authDependency('postgres', () =>
      this.ds.query(`SELECT family_id FROM refresh_tokens WHERE session_jti = $1 LIMIT 1`, [jti]),
    )) as { family_id: string }[];
    if (rows[0]) await this.revokeFamily(rows[0].family_id);
  }

  /** Every refresh token of the family, and every access JWT it issued that has not expired yet. */
  async revokeFamily(familyId: string): Promise<void> {
    const sessions = (await authDependency('postgres', () =>
      this.ds.transaction(async (m) => {
        await m.query(
          `UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL`,
          [familyId],
        );
        return m.query(
          `SELECT session_jti AS jti, user_id, floor(extract(epoch FROM session_expires_at))::float8 AS exp
             FROM refresh_tokens WHERE family_id = $1 AND session_expires_at > now()`,
          [familyId],
        );
      }),
    )) as { jti: string; user_id: string; exp: number }[];
    for (const s of sessions) await this.denylist.revokeToken(s.user_id, s.jti, Number(s.exp));
  }

  private async insert(
    q: { query: DataSource['query'] },
    familyId: string,
    userId: string,
    authTime: number,
    session: SessionRef,
  ): Promise<IssuedRefresh> {
    const ttl = this.config.auth.refresh_ttl_seconds;
    const secret = newSecret(REFRESH_TOKEN_PREFIX);
    await q.query(
      `WITH pruned AS (DELETE FROM refresh_tokens WHERE expires_at < now() - interval '1 day')
       INSERT INTO refresh_tokens (id, family_id, user_id, secret_hash, session_jti, session_expires_at, auth_time_ms, expires_at)
       VALUES ($1, $2, $3, $4, $5, to_timestamp($6), $7, now() + make_interval(secs => $8))`,
      [randomUUID(), familyId, userId, secretHash(secret), session.jti, session.exp, authTime, ttl],
    );
    return { refreshToken: secret, expiresIn: ttl };
  }
}
