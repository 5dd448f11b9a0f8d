import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { AppError, type FieldError } from '../common/app-error.js';
import { SealedStores } from '../common/crypto/sealed-stores.js';
import { maskSecret, SecretBox, SecretDecryptError } from '../common/crypto/secret-box.js';
import { page, type Page } from '../common/envelope.js';
import { ErrorCode } from '../common/error-codes.js';
import { OutboundPolicy } from '../common/outbound/outbound-policy.js';
import { flattenValidationErrors, VALIDATION_OPTIONS } from '../common/validation.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type {
  CredentialDto,
  CreateCredentialDto,
  CredentialQueryDto,
  UpdateCredentialDto,
} from './dto/credential.dto.js';
import type { CredentialEntity } from './credential.entity.js';
import type { CredentialProvider } from './credential-provider.js';
import { CREDENTIAL_SCHEMAS } from './credential-schemas.js';
import { CredentialsRepository } from './credentials.repository.js';

/** A credential with its secrets in plaintext: only ever handed to adapters, never serialized. */
export interface RevealedCredential<S = Record<string, unknown>, T = Record<string, string>> {
  id: string;
  name: string;
  provider: CredentialProvider;
  settings: S;
  secrets: T;
}

const context = (id: string) => `credentials:${id}`;

function toDto(c: CredentialEntity): CredentialDto {
  return {
    id: c.id,
    name: c.name,
    provider: c.provider,
    description: c.description,
    settings: c.settings,
    secret_hints: c.secretHints,
    created_by: c.createdBy,
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
  };
}

@Injectable()
export class CredentialsService implements OnModuleInit {
  /** Which addresses vendor endpoints may resolve to (the adapters check it again on every connection). */
  private readonly policy: OutboundPolicy;

  constructor(
    private readonly repo: CredentialsRepository,
    private readonly box: SecretBox,
    private readonly stores: SealedStores,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.policy = new OutboundPolicy(config.outbound);
  }

  onModuleInit(): void {
    this.stores.register('credentials', 'secret_sealed');
  }

  async list(q: CredentialQueryDto): Promise<Page<CredentialDto>> {
    const [rows, total] = await this.repo.list({
      provider: q.provider,
      q: q.q,
      offset: q.offset,
      limit: q.page_size,
    });
    return page(rows.map(toDto), total, q.page, q.page_size);
  }

  async get(id: string): Promise<CredentialDto> {
    return toDto(await this.mustFind(id));
  }

  async create(dto: CreateCredentialDto, actorId: string): Promise<CredentialDto> {
    const parts = await this.validateParts(dto.provider, dto.settings, dto.secrets);
    const settings = parts.settings;
    const secrets = parts.secrets!;
    if (await this.repo.findByName(dto.name))
      throw AppError.conflict(`credential ${dto.name} already exists`);
    const id = randomUUID();
    const row = await this.repo.insert({
      id,
      name: dto.name,
      provider: dto.provider,
      description: dto.description ?? null,
      settings,
      secretSealed: this.box.sealJson(secrets, context(id)),
      secretHints: hints(secrets),
      createdBy: actorId,
    });
    return toDto(row);
  }

  async update(id: string, dto: UpdateCredentialDto): Promise<CredentialDto> {
    const current = await this.mustFind(id);
    const patch: Parameters<CredentialsRepository['update']>[1] = {};
    if (dto.name && dto.name !== current.name) {
      if (await this.repo.findByName(dto.name))
        throw AppError.conflict(`credential ${dto.name} already exists`);
      patch.name = dto.name;
    }
    if (dto.description !== undefined) patch.description = dto.description;
    if (dto.settings || dto.secrets) {
      const oldSecrets = dto.secrets ? this.openSecrets(current) : {};
      const { settings, secrets } = await this.validateParts(
        current.provider,
        { ...current.settings, ...(dto.settings ?? {}) },
        dto.secrets ? { ...oldSecrets, ...dto.secrets } : null,
      );
      patch.settings = settings;
      if (secrets) {
        patch.secretSealed = this.box.sealJson(secrets, context(id));
        patch.secretHints = hints(secrets);
      }
    }
    if (Object.keys(patch).length) await this.repo.update(id, patch);
    return this.get(id);
  }

  async remove(id: string): Promise<void> {
    await this.mustFind(id);
    await this.repo.delete(id);
  }

  /** The one way plaintext secrets leave this module: for adapters that call the vendor. */
  async reveal<S = Record<string, unknown>, T = Record<string, string>>(
    id: string,
  ): Promise<RevealedCredential<S, T>> {
    const c = await this.mustFind(id);
    return {
      id: c.id,
      name: c.name,
      provider: c.provider,
      settings: c.settings as S,
      secrets: this.openSecrets(c) as T,
    };
  }

  private openSecrets(c: CredentialEntity): Record<string, string> {
    try {
      return this.box.openJson(c.secretSealed, context(c.id));
    } catch (e) {
      if (e instanceof SecretDecryptError) {
        throw new AppError(
          ErrorCode.SECRET_UNREADABLE,
          `The secrets of credential ${c.name} cannot be decrypted: ${e.message}`,
        );
      }
      throw e;
    }
  }

  private async validateParts(
    provider: CredentialProvider,
    settings: Record<string, unknown>,
    secrets: Record<string, unknown> | null,
  ): Promise<{ settings: Record<string, unknown>; secrets: Record<string, unknown> | null }> {
    const schema = CREDENTIAL_SCHEMAS[provider];
    const errors: FieldError[] = [];
    const check = async (cls: new () => object, value: object, field: string) => {
      const instance = plainToInstance(cls, value);
      errors.push(...flattenValidationErrors(await validate(instance, VALIDATION_OPTIONS), field));
      return instance as Record<string, unknown>;
    };
    const s = await check(schema.settings, settings ?? {}, 'settings');
    const t = secrets ? await check(schema.secrets, secrets, 'secrets') : null;
    if (errors.length) throw AppError.validation(errors);
    if (typeof s.endpoint === 'string') {
      const refused = await this.policy.checkUrl(s.endpoint);
      if (refused) {
        throw new AppError(
          ErrorCode.OUTBOUND_ADDRESS_REFUSED,
          `settings.endpoint refused: ${refused.message}`,
          { field: 'settings.endpoint', reason: refused.reason },
        );
      }
    }
    return { settings: { ...s }, secrets: t ? { ...t } : null };
  }

  private async mustFind(id: string): Promise<CredentialEntity> {
    const c = await this.repo.findById(id);
    if (!c) throw AppError.notFound('credential', id);
    return c;
  }
}

function hints(secrets: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(secrets).map(([k, v]) => [k, maskSecret(String(v))]));
}
