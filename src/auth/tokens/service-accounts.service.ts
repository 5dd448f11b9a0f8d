import { Injectable } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AccessService } from '../../access/access.service.js';
import { AppError } from '../../common/app-error.js';
import { page, type Page } from '../../common/envelope.js';
import type { PageQueryDto } from '../../common/pagination.dto.js';
import { PasswordHasher } from '../password-hasher.js';
import { Role } from '../role.js';
import { TokenDenylist } from '../token-denylist.js';
import { UsersRepository } from '../users.repository.js';
import { ApiTokensRepository } from './api-tokens.repository.js';
import type { CreateServiceAccountDto, ServiceAccountDto } from './dto/service-account.dto.js';
import { TokenRevocations } from './token-revocations.js';

interface Row {
  id: string;
  username: string;
  disabled: boolean;
  created_at: Date;
}

/**
 * Service accounts: users of kind 'service' (role preset none) that act only through API tokens — they
 * cannot log in with a password. Grants are given to them through /grants like to any user.
 */
@Injectable()
export class ServiceAccountsService {
  constructor(
    private readonly ds: DataSource,
    private readonly users: UsersRepository,
    private readonly tokens: ApiTokensRepository,
    private readonly hasher: PasswordHasher,
    private readonly access: AccessService,
    private readonly denylist: TokenDenylist,
    private readonly revocations: TokenRevocations,
  ) {}

  async create(dto: CreateServiceAccountDto): Promise<ServiceAccountDto> {
    if (await this.users.findByUsername(dto.name)) throw AppError.conflict(`user ${dto.name} already exists`);
    // A real hash of a password nobody knows: a login attempt costs the same as for anyone (and is refused).
    const hash = await this.hasher.hash(randomBytes(32).toString('base64'));
    const rows = (await this.ds.query(
      `INSERT INTO users (id, username, password_hash, role, kind) VALUES ($1, $2, $3, $4, 'service')
       ON CONFLICT (username) DO NOTHING RETURNING id, username, disabled, created_at`,
      [randomUUID(), dto.name, hash, Role.NONE],
    )) as Row[];
    if (!rows[0]) throw AppError.conflict(`user ${dto.name} already exists`);
    return this.toDto(rows[0], 0);
  }

  async list(q: PageQueryDto): Promise<Page<ServiceAccountDto>> {
    const [{ n }] = (await this.ds.query(`SELECT count(*)::int AS n FROM users WHERE kind = 'service'`)) as {
      n: number;
    }[];
    const rows = (await this.ds.query(
      `SELECT id, username, disabled, created_at FROM users WHERE kind = 'service'
        ORDER BY created_at, id LIMIT $1 OFFSET $2`,
      [q.page_size, q.offset],
    )) as Row[];
    const counts = await this.tokens.activeCount(rows.map((r) => r.id));
    return page(
      rows.map((r) => this.toDto(r, counts.get(r.id) ?? 0)),
      n,
      q.page,
      q.page_size,
    );
  }

  async get(id: string): Promise<ServiceAccountDto> {
    const row = await this.row(id);
    return this.toDto(row, (await this.tokens.activeCount([id])).get(id) ?? 0);
  }

  /** Revokes its tokens, removes its grants (its tokens' go with the token rows), then the account. */
  async remove(id: string): Promise<void> {
    await this.row(id);
    const revoked = await this.ds.transaction(async (m) => {
      const ids = await this.tokens.revokeAllOf(id, m);
      await m.query(`DELETE FROM grants WHERE subject_type = 'user' AND subject_id = $1`, [id]);
      await m.query(`DELETE FROM users WHERE id = $1 AND kind = 'service'`, [id]);
      return ids;
    });
    this.access.invalidate();
    await this.denylist.revokeUser(id);
    await this.revocations.publish(revoked);
  }

  private async row(id: string): Promise<Row> {
    const rows = (await this.ds.query(
      `SELECT id, username, disabled, created_at FROM users WHERE id = $1 AND kind = 'service'`,
      [id],
    )) as Row[];
    if (!rows[0]) throw AppError.notFound('service account', id);
    return rows[0];
  }

  private toDto(r: Row, activeTokens: number): ServiceAccountDto {
    return {
      id: r.id,
      name: r.username,
      disabled: r.disabled,
      active_tokens: activeTokens,
      created_at: new Date(r.created_at).toISOString(),
    };
  }
}
