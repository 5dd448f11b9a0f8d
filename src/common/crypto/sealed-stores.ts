import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SecretBox, SecretDecryptError } from './secret-box.js';

export interface ResealBatch {
  /** Rows looked at in this batch (0 = the store is done). */
  processed: number;
  resealed: number;
  /** Ids of rows that could not be decrypted with the key ring. */
  failed: string[];
  /** Cursor for the next batch. */
  after: string;
}

/** A table column holding sealed values, each sealed with the context "<table>:<row id>". */
export interface SealedColumn {
  table: string;
  column: string;
}

/**
 * Every table column that holds sealed secrets registers here (at module init), so that key rotation
 * reaches all of them. This is the repository for those columns: the only SQL touching them generically.
 */
@Injectable()
export class SealedStores {
  private readonly columns: SealedColumn[] = [];

  constructor(
    private readonly db: DataSource,
    private readonly box: SecretBox,
  ) {}

  register(table: string, column: string): void {
    if (!/^[a-z_]+$/.test(table) || !/^[a-z_]+$/.test(column))
      throw new Error(`bad sealed column ${table}.${column}`);
    if (!this.columns.some((c) => c.table === table && c.column === column))
      this.columns.push({ table, column });
  }

  all(): readonly SealedColumn[] {
    return this.columns;
  }

  /** Sealed values per key id. */
  async countByKey(c: SealedColumn): Promise<Record<string, number>> {
    const rows: { key_id: string; n: string }[] = await this.db.query(
      `SELECT split_part(${c.column}, ':', 2) AS key_id, count(*) AS n FROM ${c.table} WHERE ${c.column} IS NOT NULL GROUP BY 1`,
    );
    return Object.fromEntries(rows.map((r) => [r.key_id, Number(r.n)]));
  }

  /** Re-seals under the active key up to `limit` rows with id > `after` that are sealed under another key. */
  async resealBatch(c: SealedColumn, after: string, limit: number): Promise<ResealBatch> {
    const rows: { id: string; sealed: string }[] = await this.db.query(
      `SELECT id::text AS id, ${c.column} AS sealed FROM ${c.table}
        WHERE ${c.column} IS NOT NULL AND ${c.column} NOT LIKE $1 AND id::text > $2 ORDER BY id::text LIMIT $3`,
      [this.box.activeKeyPattern, after, limit],
    );
    const out: ResealBatch = {
      processed: rows.length,
      resealed: 0,
      failed: [],
      after: rows.at(-1)?.id ?? after,
    };
    for (const row of rows) {
      const context = `${c.table}:${row.id}`;
      let plain: string;
      try {
        plain = this.box.open(row.sealed, context);
      } catch (e) {
        if (!(e instanceof SecretDecryptError)) throw e;
        out.failed.push(row.id);
        continue;
      }
      // Only if nobody changed the value meanwhile.
      const [, affected] = await this.db.query(
        `UPDATE ${c.table} SET ${c.column} = $1 WHERE id::text = $2 AND ${c.column} = $3`,
        [this.box.seal(plain, context), row.id, row.sealed],
      );
      if (affected > 0) out.resealed++;
    }
    return out;
  }
}
