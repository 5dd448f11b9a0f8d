import { Injectable } from '@nestjs/common';
import { DataSource, type FindOptionsWhere, ILike, type Repository } from 'typeorm';
import { escapeLike } from '../common/sql.js';
import type { CredentialProvider } from './credential-provider.js';
import { CredentialEntity } from './credential.entity.js';

export interface CredentialFilter {
  provider?: CredentialProvider;
  q?: string;
  offset: number;
  limit: number;
}

@Injectable()
export class CredentialsRepository {
  private readonly repo: Repository<CredentialEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(CredentialEntity);
  }

  findById(id: string): Promise<CredentialEntity | null> {
    return this.repo.findOneBy({ id });
  }

  findByName(name: string): Promise<CredentialEntity | null> {
    return this.repo.findOneBy({ name });
  }

  list(f: CredentialFilter): Promise<[CredentialEntity[], number]> {
    const where: FindOptionsWhere<CredentialEntity> = {};
    if (f.provider) where.provider = f.provider;
    if (f.q) where.name = ILike(`%${escapeLike(f.q)}%`);
    return this.repo.findAndCount({ where, order: { name: 'ASC' }, skip: f.offset, take: f.limit });
  }

  insert(row: Omit<CredentialEntity, 'createdAt' | 'updatedAt'>): Promise<CredentialEntity> {
    return this.repo.save(this.repo.create(row));
  }

  async update(
    id: string,
    patch: Partial<Omit<CredentialEntity, 'id' | 'createdAt' | 'updatedAt'>>,
  ): Promise<void> {
    await this.repo.update({ id }, patch);
  }

  async delete(id: string): Promise<void> {
    await this.repo.delete({ id });
  }
}
