import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AccessService } from '../../access/access.service.js';
import { GrantsService, toGrantDto } from '../../access/grants.service.js';
import { Verb } from '../../access/roles.js';
import { AppError } from '../../common/app-error.js';
import { page, type Page } from '../../common/envelope.js';
import { ErrorCode } from '../../common/error-codes.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import type { AuthUser } from '../role.js';
import { UsersRepository } from '../users.repository.js';
import { type ApiTokenRow, ApiTokensRepository } from './api-tokens.repository.js';
import type {
  CreatedTokenDto,
  CreateTokenDto,
  RotateTokenDto,
  TokenDto,
  TokenListQueryDto,
} from './dto/token.dto.js';
import { API_TOKEN_PREFIX, newSecret, secretHash, secretHint } from './token-secret.js';
import { TokenRevocations } from './token-revocations.js';

const DAY_MS = 24 * 3600 * 1000;

/**
 * API tokens for machine clients. A caller manages its own tokens; with `principals.manage` it also sees
 * every token and creates tokens for service accounts. A token's grants never exceed its creator's
 * (checked at creation) nor its owner's (checked at every use).
 */
@Injectable()
export class ApiTokensService {
  constructor(
    private readonly repo: ApiTokensRepository,
    private readonly users: UsersRepository,
    private readonly grants: GrantsService,
    private readonly access: AccessService,
    private readonly revocations: TokenRevocations,
    private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(caller: AuthUser, dto: CreateTokenDto): Promise<CreatedTokenDto> {
    const ownerId = dto.user_id?.toLowerCase() ?? caller.id;
    if (ownerId !== caller.id) {
      if (!(await this.manager(caller)))
        throw new AppError(
          ErrorCode.FORBIDDEN,
          'Creating a token for another principal needs principals.manage (role admin)',
          { verb: Verb.PRINCIPALS_MANAGE },
        );
      const owner = await this.users.findById(ownerId);
      if (!owner || owner.kind !== 'service')
        throw AppError.validation([
          {
            field: 'user_id',
            errors: ['no service account has this id (tokens for others: service accounts only)'],
          },
        ]);
    }
    const expiresAt = this.expiry(dto.expires_at);
    const scopes = await this.grants.assertWithin(caller, dto.grants);
    const id = randomUUID();
    const secret = newSecret(API_TOKEN_PREFIX);
    await this.ds.transaction(async (m) => {
      await this.repo.insert(m, {
        id,
        userId: ownerId,
        name: dto.name,
        hash: secretHash(secret),
        hint: secretHint(secret),
        expiresAt,
        createdBy: caller.id,
      });
      await this.grants.insertForToken(id, scopes, caller.id, m);
    });
    return { ...(await this.dto(await this.mustFind(id))), token: secret };
  }

  async list(caller: AuthUser, q: TokenListQueryDto): Promise<Page<TokenDto>> {
    const manager = await this.manager(caller);
    if (q.user_id && q.user_id.toLowerCase() !== caller.id && !manager)
      throw new AppError(
        ErrorCode.FORBIDDEN,
        'Listing another principal’s tokens needs principals.manage (role admin)',
        { verb: Verb.PRINCIPALS_MANAGE },
      );
    const [rows, total] = await this.repo.list({
      userId: manager ? q.user_id?.toLowerCase() : caller.id,
      includeRevoked: q.include_revoked ?? false,
      offset: q.offset,
      limit: q.page_size,
    });
    return page(await Promise.all(rows.map((r) => this.dto(r))), total, q.page, q.page_size);
  }

  async get(caller: AuthUser, id: string): Promise<TokenDto> {
    return this.dto(await this.visible(caller, id));
  }

  /** Durable at once; every instance stops accepting it within `auth.state_cache_ms` (at once through Redis). */
  async revoke(caller: AuthUser, id: string): Promise<void> {
    await this.visible(caller, id);
    await this.repo.revoke(id);
    await this.revocations.publish([id]);
  }

  /** A new secret for the same token (same id and grants); the old secret stops working. */
  async rotate(caller: AuthUser, id: string, dto: RotateTokenDto): Promise<CreatedTokenDto> {
    const row = await this.visible(caller, id);
    if (row.revoked_at) throw AppError.conflict('This token is revoked: create a new one');
    const expiresAt = dto.expires_at ? this.expiry(dto.expires_at) : row.expires_at;
    if (expiresAt.getTime() <= Date.now())
      throw AppError.conflict('This token has expired: give a new expires_at to rotate it');
    const secret = newSecret(API_TOKEN_PREFIX);
    await this.repo.rotate(id, secretHash(secret), secretHint(secret), expiresAt);
    await this.revocations.publish([id]);
    return { ...(await this.dto(await this.mustFind(id))), token: secret };
  }

  private expiry(at: Date): Date {
    const max = this.config.auth.token_max_ttl_days;
    const ms = at.getTime();
    if (ms <= Date.now())
      throw AppError.validation([{ field: 'expires_at', errors: ['expires_at must be in the future'] }]);
    if (ms > Date.now() + max * DAY_MS)
      throw AppError.validation([
        {
          field: 'expires_at',
          errors: [`expires_at must be at most ${max} days ahead (BERTH_TOKEN_MAX_TTL_DAYS)`],
        },
      ]);
    return at;
  }

  private async manager(caller: AuthUser): Promise<boolean> {
    return (await this.access.decide(caller, Verb.PRINCIPALS_MANAGE)) === 'allow';
  }

  /** The caller's own token, or any with principals.manage; 404 otherwise (never "exists"). */
  private async visible(caller: AuthUser, id: string): Promise<ApiTokenRow> {
    const row = await this.repo.findById(id);
    if (!row || (row.user_id !== caller.id && !(await this.manager(caller))))
      throw AppError.notFound('token', id);
    return row;
  }

  private async mustFind(id: string): Promise<ApiTokenRow> {
    const row = await this.repo.findById(id);
    if (!row) throw AppError.notFound('token', id);
    return row;
  }

  private async dto(r: ApiTokenRow): Promise<TokenDto> {
    const grants = await this.access.subjectGrants('token', r.id);
    return {
      id: r.id,
      name: r.name,
      user_id: r.user_id,
      username: r.username,
      hint: r.hint,
      status: r.revoked_at
        ? 'revoked'
        : new Date(r.expires_at).getTime() <= Date.now()
          ? 'expired'
          : 'active',
      grants: grants.map(toGrantDto),
      expires_at: new Date(r.expires_at).toISOString(),
      revoked_at: r.revoked_at ? new Date(r.revoked_at).toISOString() : null,
      rotated_at: r.rotated_at ? new Date(r.rotated_at).toISOString() : null,
      last_used_at: r.last_used_at ? new Date(r.last_used_at).toISOString() : null,
      last_used_ip: r.last_used_ip,
      created_by: r.created_by,
      created_at: new Date(r.created_at).toISOString(),
    };
  }
}
