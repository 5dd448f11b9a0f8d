import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { escapeLike } from '../common/sql.js';
import type { Connector } from './dto/group.dto.js';

export interface GroupRow {
  id: string;
  name: string;
  description: string | null;
  member_count: number;
  mappings: { connector: Connector; external_group: string }[];
  created_at: Date;
  updated_at: Date;
}

export interface MemberRow {
  user_id: string;
  username: string;
  source: 'local' | 'oidc' | 'ldap';
  added_at: Date;
}

type Q = Pick<EntityManager, 'query'>;

const SELECT_GROUP = `
  SELECT g.id, g.name, g.description, g.created_at, g.updated_at,
         (SELECT count(*)::int FROM group_members m WHERE m.group_id = g.id) AS member_count,
         COALESCE((SELECT json_agg(json_build_object('connector', x.connector, 'external_group', x.external_group)
                                   ORDER BY x.connector, x.external_group)
                     FROM group_mappings x WHERE x.group_id = g.id), '[]'::json) AS mappings
    FROM groups g`;

/** LDAP DNs compare case-insensitively and without the spaces around "," and "=" (RFC 4514 allows both). */
export function normalizeExternalGroup(connector: Connector, name: string): string {
  return connector === 'ldap'
    ? name
        .trim()
        .replace(/\s*([,=+])\s*/g, '$1')
        .toLowerCase()
    : name;
}

/** The only code that reads and writes groups, their members and their SSO mappings. */
@Injectable()
export class GroupsRepository {
  constructor(private readonly ds: DataSource) {}

  transaction<T>(work: (q: Q) => Promise<T>): Promise<T> {
    return this.ds.transaction((m) => work(m));
  }

  async list(f: { q?: string; offset: number; limit: number }): Promise<[GroupRow[], number]> {
    const params: unknown[] = [];
    const where = f.q ? `WHERE g.name ILIKE $${params.push(`%${escapeLike(f.q)}%`)}` : '';
    const [{ n }] = (await this.ds.query(`SELECT count(*)::int AS n FROM groups g ${where}`, params)) as {
      n: number;
    }[];
    const rows = (await this.ds.query(
      `${SELECT_GROUP} ${where} ORDER BY g.name LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, f.limit, f.offset],
    )) as GroupRow[];
    return [rows, n];
  }

  async findById(id: string, q: Q = this.ds): Promise<GroupRow | null> {
    const rows = (await q.query(`${SELECT_GROUP} WHERE g.id = $1`, [id])) as GroupRow[];
    return rows[0] ?? null;
  }

  async nameTaken(name: string, exceptId?: string): Promise<boolean> {
    const rows = (await this.ds.query('SELECT 1 FROM groups WHERE name = $1 AND id IS DISTINCT FROM $2', [
      name,
      exceptId ?? null,
    ])) as unknown[];
    return rows.length > 0;
  }

  async insert(q: Q, g: { name: string; description: string | null }): Promise<string> {
    const id = randomUUID();
    await q.query('INSERT INTO groups (id, name, description) VALUES ($1, $2, $3)', [
      id,
      g.name,
      g.description,
    ]);
    return id;
  }

  async update(q: Q, id: string, patch: { name?: string; description?: string | null }): Promise<void> {
    const sets: string[] = ['updated_at = now()'];
    const params: unknown[] = [id];
    if (patch.name !== undefined) sets.push(`name = $${params.push(patch.name)}`);
    if (patch.description !== undefined) sets.push(`description = $${params.push(patch.description)}`);
    await q.query(`UPDATE groups SET ${sets.join(', ')} WHERE id = $1`, params);
  }

  async replaceMappings(q: Q, groupId: string, mappings: { connector: Connector; external_group: string }[]) {
    await q.query('DELETE FROM group_mappings WHERE group_id = $1', [groupId]);
    const seen = new Set<string>();
    for (const m of mappings) {
      const ext = normalizeExternalGroup(m.connector, m.external_group);
      const key = `${m.connector} ${ext}`;
      if (seen.has(key)) continue;
      seen.add(key);
      await q.query(
        'INSERT INTO group_mappings (id, group_id, connector, external_group) VALUES ($1, $2, $3, $4)',
        [randomUUID(), groupId, m.connector, ext],
      );
    }
  }

  async delete(id: string): Promise<boolean> {
    const rows = (await this.ds.query('DELETE FROM groups WHERE id = $1 RETURNING id', [id])) as unknown[];
    // node-postgres through TypeORM answers [rows, count] for DELETE … RETURNING
    return Array.isArray(rows[0]) ? (rows[0] as unknown[]).length > 0 : rows.length > 0;
  }

  async members(groupId: string, offset: number, limit: number): Promise<[MemberRow[], number]> {
    const [{ n }] = (await this.ds.query('SELECT count(*)::int AS n FROM group_members WHERE group_id = $1', [
      groupId,
    ])) as { n: number }[];
    const rows = (await this.ds.query(
      `SELECT m.user_id, u.username, m.source, m.created_at AS added_at
         FROM group_members m JOIN users u ON u.id = m.user_id
        WHERE m.group_id = $1 ORDER BY u.username LIMIT $2 OFFSET $3`,
      [groupId, limit, offset],
    )) as MemberRow[];
    return [rows, n];
  }

  /** Adds (or makes local) one membership; answers it. */
  async putMember(groupId: string, userId: string): Promise<MemberRow> {
    await this.ds.query(
      `INSERT INTO group_members (group_id, user_id, source) VALUES ($1, $2, 'local')
       ON CONFLICT (group_id, user_id) DO UPDATE SET source = 'local'`,
      [groupId, userId],
    );
    const rows = (await this.ds.query(
      `SELECT m.user_id, u.username, m.source, m.created_at AS added_at
         FROM group_members m JOIN users u ON u.id = m.user_id WHERE m.group_id = $1 AND m.user_id = $2`,
      [groupId, userId],
    )) as MemberRow[];
    return rows[0];
  }

  async deleteMember(groupId: string, userId: string): Promise<boolean> {
    const res = (await this.ds.query(
      'DELETE FROM group_members WHERE group_id = $1 AND user_id = $2 RETURNING user_id',
      [groupId, userId],
    )) as unknown[];
    return Array.isArray(res[0]) ? (res[0] as unknown[]).length > 0 : res.length > 0;
  }

  /**
   * A user's memberships from one connector become exactly the groups its external groups map to
   * (local memberships are left alone). Answers the Berth groups it is now a member of through it.
   */
  async syncExternal(
    userId: string,
    connector: Connector,
    externalGroups: string[],
  ): Promise<{ id: string; name: string }[]> {
    const names = [...new Set(externalGroups.map((g) => normalizeExternalGroup(connector, g)))];
    return this.ds.transaction(async (m) => {
      const mapped = (await m.query(
        `SELECT DISTINCT g.id, g.name FROM group_mappings x JOIN groups g ON g.id = x.group_id
          WHERE x.connector = $1 AND x.external_group = ANY($2::text[]) ORDER BY g.name`,
        [connector, names],
      )) as { id: string; name: string }[];
      const ids = mapped.map((g) => g.id);
      await m.query(
        `DELETE FROM group_members WHERE user_id = $1 AND source = $2 AND NOT (group_id = ANY($3::uuid[]))`,
        [userId, connector, ids],
      );
      if (ids.length)
        await m.query(
          `INSERT INTO group_members (group_id, user_id, source)
           SELECT unnest($2::uuid[]), $1, $3 ON CONFLICT (group_id, user_id) DO NOTHING`,
          [userId, ids, connector],
        );
      return mapped;
    });
  }

  async userExists(id: string): Promise<boolean> {
    return ((await this.ds.query('SELECT 1 FROM users WHERE id = $1', [id])) as unknown[]).length > 0;
  }
}
