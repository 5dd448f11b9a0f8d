import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface ApiTokenRow {
  id: string;
  user_id: string;
  username: string;
  name: string;
  hint: string;
  expires_at: Date;
  revoked_at: Date | null;
  rotated_at: Date | null;
  last_used_at: Date | null;
  last_used_ip: string | null;
  created_by: string | null;
  created_at: Date;
}

/** What authentication needs to know about a token, with its owner's current state. */
export interface ApiTokenState {
  id: string;
  secretHash: Buffer;
  userId: string;
  expiresAtMs: number;
  revoked: boolean;
}

type Querier = { query: DataSource['query'] };

const COLUMNS = `t.id, t.user_id, u.username, t.name, t.hint, t.expires_at, t.revoked_at, t.rotated_at,
  t.last_used_at, t.last_used_ip, t.created_by, t.created_at`;

/** How many distinct addresses a token remembers (an address not among them is "new": audited). */
const KNOWN_IPS = 32;

/** The only code that talks SQL about API tokens. */
@Injectable()
export class ApiTokensRepository {
  constructor(private readonly ds: DataSource) {}

  async insert(
    q: Querier,
    t: {
      id: string;
      userId: string;
      name: string;
      hash: Buffer;
      hint: string;
      expiresAt: Date;
      createdBy: string;
    },
  ): Promise<void> {
    await q.query(
      `INSERT INTO api_tokens (id, user_id, name, secret_hash, hint, expires_at, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [t.id, t.userId, t.name, t.hash, t.hint, t.expiresAt, t.createdBy],
    );
  }

  async findById(id: string): Promise<ApiTokenRow | null> {
    const rows = (await this.ds.query(
      `SELECT ${COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = $1`,
      [id],
    )) as ApiTokenRow[];
    return rows[0] ?? null;
  }

  async list(f: {
    userId?: string;
    includeRevoked: boolean;
    offset: number;
    limit: number;
  }): Promise<[ApiTokenRow[], number]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (f.userId) where.push(`t.user_id = $${params.push(f.userId)}`);
    if (!f.includeRevoked) where.push('t.revoked_at IS NULL');
    const cond = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ n }] = (await this.ds.query(`SELECT count(*)::int AS n FROM api_tokens t ${cond}`, params)) as {
      n: number;
    }[];
    const rows = (await this.ds.query(
      `SELECT ${COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id ${cond}
        ORDER BY t.created_at, t.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, f.limit, f.offset],
    )) as ApiTokenRow[];
    return [rows, n];
  }

  /** Marks the token revoked (durable); false when it already was. */
  async revoke(id: string, q: Querier = this.ds): Promise<boolean> {
    const rows = await q.query(
      `UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id`,
      [id],
    );
    return rowsOf(rows).length > 0;
  }

  /** Revokes every live token of a user; answers their ids. */
  async revokeAllOf(userId: string, q: Querier = this.ds): Promise<string[]> {
    const rows = await q.query(
      `UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL RETURNING id`,
      [userId],
    );
    return rowsOf<{ id: string }>(rows).map((r) => r.id);
  }

  async rotate(id: string, hash: Buffer, hint: string, expiresAt: Date): Promise<void> {
    await this.ds.query(
      `UPDATE api_tokens SET secret_hash = $2, hint = $3, expires_at = $4, rotated_at = now() WHERE id = $1`,
      [id, hash, hint, expiresAt],
    );
  }

  async state(hash: Buffer): Promise<ApiTokenState | null> {
    const rows = (await this.ds.query(
      `SELECT t.id, t.secret_hash, t.user_id, t.revoked_at IS NOT NULL AS revoked,
              floor(extract(epoch FROM t.expires_at) * 1000)::float8 AS expires_ms
         FROM api_tokens t WHERE t.secret_hash = $1`,
      [hash],
    )) as {
      id: string;
      secret_hash: Buffer;
      user_id: string;
      revoked: boolean;
      expires_ms: number;
    }[];
    const r = rows[0];
    if (!r) return null;
    return {
      id: r.id,
      secretHash: r.secret_hash,
      userId: r.user_id,
      expiresAtMs: Number(r.expires_ms),
      revoked: r.revoked,
    };
  }

  /**
   * Records a use: `last_used_at`, `last_used_ip`, and the address among the token's known ones. Answers
   * whether the address was new to the token (the row is locked, so two instances never both say so).
   */
  async touch(id: string, ip: string, q: Querier = this.ds): Promise<{ newAddress: boolean }> {
    const rows = await q.query(
      `WITH old AS (SELECT id, known_ips FROM api_tokens WHERE id = $1 FOR UPDATE)
       UPDATE api_tokens t
          SET last_used_at = now(), last_used_ip = $2,
              known_ips = CASE WHEN $2 = ANY(old.known_ips) THEN old.known_ips
                               ELSE (array_append(old.known_ips, $2::text))[greatest(1, cardinality(old.known_ips) + 2 - ${KNOWN_IPS}):]
                          END
         FROM old WHERE t.id = old.id
       RETURNING NOT ($2 = ANY(old.known_ips)) AS new_address`,
      [id, ip],
    );
    return { newAddress: rowsOf<{ new_address: boolean }>(rows)[0]?.new_address === true };
  }

  /** Best-effort `last_used_at` only (the address is already known). */
  async touchTime(id: string, ip: string): Promise<void> {
    await this.ds.query(`UPDATE api_tokens SET last_used_at = now(), last_used_ip = $2 WHERE id = $1`, [
      id,
      ip,
    ]);
  }

  async activeCount(userIds: string[]): Promise<Map<string, number>> {
    if (!userIds.length) return new Map();
    const rows = (await this.ds.query(
      `SELECT user_id, count(*)::int AS n FROM api_tokens
        WHERE user_id = ANY($1::uuid[]) AND revoked_at IS NULL AND expires_at > now() GROUP BY user_id`,
      [userIds],
    )) as { user_id: string; n: number }[];
    return new Map(rows.map((r) => [r.user_id, r.n]));
  }
}

/** UPDATE … RETURNING through TypeORM answers [rows, count]; SELECT answers rows. */
function rowsOf<T = unknown>(res: unknown): T[] {
  if (Array.isArray(res) && res.length === 2 && Array.isArray(res[0]) && typeof res[1] === 'number')
    return res[0] as T[];
  return (res as T[]) ?? [];
}
