import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppError } from '../common/app-error.js';
import { page, type Page } from '../common/envelope.js';
import { ErrorCode } from '../common/error-codes.js';
import { CredentialsService } from '../credentials/credentials.service.js';
import type {
  CreateRegistryDto,
  RegistryDto,
  RegistryHealthDto,
  RegistryQueryDto,
  UpdateRegistryDto,
} from './dto/registry.dto.js';
import { ImagePullSecretsRepository } from './image-pull-secrets.repository.js';
import { RegistriesRepository } from './registries.repository.js';
import type { RegistryEntity } from './registry.entity.js';
import { toRegistryDto } from './registry.mapper.js';
import type { RegistryConnection, RegistryProvider } from './registry-provider.js';
import { RegistryProviders } from './registry-providers.js';

/** A registry ready to be called: its record, its provider and the connection (plaintext credential). */
export interface OpenRegistry {
  registry: RegistryEntity;
  provider: RegistryProvider;
  conn: RegistryConnection;
}

@Injectable()
export class RegistriesService {
  constructor(
    private readonly repo: RegistriesRepository,
    private readonly pullSecrets: ImagePullSecretsRepository,
    private readonly credentials: CredentialsService,
    private readonly providers: RegistryProviders,
  ) {}

  async list(q: RegistryQueryDto): Promise<Page<RegistryDto>> {
    const [rows, total] = await this.repo.list({
      provider: q.provider,
      credentialId: q.credential_id,
      q: q.q,
      offset: q.offset,
      limit: q.page_size,
    });
    return page(rows.map(toRegistryDto), total, q.page, q.page_size);
  }

  async get(id: string): Promise<RegistryDto> {
    return toRegistryDto(await this.mustFind(id));
  }

  async create(dto: CreateRegistryDto, actorId: string): Promise<RegistryDto> {
    await this.checkCredential(dto.credential_id, dto.provider);
    if (await this.repo.findByName(dto.name)) throw AppError.conflict(`registry ${dto.name} already exists`);
    const id = randomUUID();
    await this.checkSupported(id, dto.name, dto.provider, normalizeEndpoint(dto.endpoint), dto.credential_id);
    const row = await this.repo.insert({
      id,
      name: dto.name,
      provider: dto.provider,
      endpoint: normalizeEndpoint(dto.endpoint),
      credentialId: dto.credential_id,
      description: dto.description ?? null,
      createdBy: actorId,
    });
    return toRegistryDto(row);
  }

  async update(id: string, dto: UpdateRegistryDto): Promise<RegistryDto> {
    const current = await this.mustFind(id);
    const patch: Parameters<RegistriesRepository['update']>[1] = {};
    if (dto.name && dto.name !== current.name) {
      if (await this.repo.findByName(dto.name))
        throw AppError.conflict(`registry ${dto.name} already exists`);
      patch.name = dto.name;
    }
    if (dto.credential_id && dto.credential_id !== current.credentialId) {
      await this.checkCredential(dto.credential_id, current.provider);
      patch.credentialId = dto.credential_id;
    }
    if (dto.endpoint !== undefined) patch.endpoint = normalizeEndpoint(dto.endpoint);
    if (patch.endpoint && patch.endpoint !== current.endpoint)
      await this.checkSupported(
        id,
        patch.name ?? current.name,
        current.provider,
        patch.endpoint,
        patch.credentialId ?? current.credentialId,
      );
    if (dto.description !== undefined) patch.description = dto.description;
    if (Object.keys(patch).length) await this.repo.update(id, patch);
    return this.get(id);
  }

  /** Removes the record only; the registry and its contents are not touched. Refused while pull secrets use it. */
  async remove(id: string): Promise<void> {
    const r = await this.mustFind(id);
    const used = await this.pullSecrets.countByRegistry(id);
    if (used) {
      throw AppError.conflict(
        `registry ${r.name} still backs ${used} image pull secret(s); delete them first`,
        { image_pull_secrets: used },
      );
    }
    await this.repo.delete(id);
  }

  /** Asks the registry now: component health and version. */
  async health(id: string): Promise<RegistryHealthDto> {
    const { provider, conn } = await this.open(id);
    const started = performance.now();
    const h = await provider.health(conn);
    return {
      registry_id: id,
      status: h.status,
      version: h.version,
      components: h.components,
      latency_ms: Math.round(performance.now() - started),
      checked_at: new Date().toISOString(),
    };
  }

  /** Asks the registry which version it runs before it is saved (too old: 422; unreachable or refused: its error). */
  private async checkSupported(
    id: string,
    name: string,
    provider: string,
    endpoint: string,
    credentialId: string,
  ): Promise<void> {
    const cred = await this.credentials.reveal<
      { username?: string; insecure_skip_tls_verify?: boolean },
      { password?: string }
    >(credentialId);
    await this.providers.get(provider).checkSupported({
      registryId: id,
      registryName: name,
      credentialName: cred.name,
      endpoint,
      username: cred.settings.username ?? '',
      password: cred.secrets.password ?? '',
      insecureSkipTlsVerify: cred.settings.insecure_skip_tls_verify ?? false,
    });
  }

  /** The registry with its provider and credential, for calls to it. */
  async open(id: string): Promise<OpenRegistry> {
    const registry = await this.mustFind(id);
    const cred = await this.credentials.reveal<
      { username?: string; insecure_skip_tls_verify?: boolean },
      { password?: string }
    >(registry.credentialId);
    return {
      registry,
      provider: this.providers.get(registry.provider),
      conn: {
        registryId: registry.id,
        registryName: registry.name,
        credentialName: cred.name,
        endpoint: registry.endpoint,
        username: cred.settings.username ?? '',
        password: cred.secrets.password ?? '',
        insecureSkipTlsVerify: cred.settings.insecure_skip_tls_verify ?? false,
      },
    };
  }

  private async checkCredential(credentialId: string, provider: string): Promise<void> {
    let actual: string;
    try {
      actual = (await this.credentials.get(credentialId)).provider;
    } catch (e) {
      if (e instanceof AppError && e.code === ErrorCode.NOT_FOUND) {
        throw AppError.validation([
          { field: 'credential_id', errors: [`credential ${credentialId} does not exist`] },
        ]);
      }
      throw e;
    }
    if (actual !== provider) {
      throw AppError.validation([
        { field: 'credential_id', errors: [`credential_id must be a ${provider} credential, not ${actual}`] },
      ]);
    }
  }

  private async mustFind(id: string): Promise<RegistryEntity> {
    const r = await this.repo.findById(id);
    if (!r) throw AppError.notFound('registry', id);
    return r;
  }
}

/** "https://harbor.example.com/" → "https://harbor.example.com" (path kept, trailing slashes dropped). */
function normalizeEndpoint(endpoint: string): string {
  const u = new URL(endpoint);
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
}
