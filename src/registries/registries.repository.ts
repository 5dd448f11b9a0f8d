import { Injectable } from '@nestjs/common';
import { DataSource, type FindOptionsWhere, ILike, type Repository } from 'typeorm';
import { escapeLike } from '../common/sql.js';
import { RegistryEntity, type RegistryProviderName } from './registry.entity.js';

export interface RegistryFilter {
  provider?: RegistryProviderName;
  credentialId?: string;
  q?: string;
  offset: number;
  limit: number;
}

@Injectable()
export class RegistriesRepository {
  private readonly repo: Repository<RegistryEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(RegistryEntity);
  }

  findById(id: string): Promise<RegistryEntity | null> {
    return this.repo.findOneBy({ id });
  }

  findByName(name: string): Promise<RegistryEntity | null> {
    return this.repo.findOneBy({ name });
  }

  list(f: RegistryFilter): Promise<[RegistryEntity[], number]> {
    const where: FindOptionsWhere<RegistryEntity> = {};
    if (f.provider) where.provider = f.provider;
    if (f.credentialId) where.credentialId = f.credentialId;
    if (f.q) where.name = ILike(`%${escapeLike(f.q)}%`);
    return this.repo.findAndCount({ where, order: { name: 'ASC' }, skip: f.offset, take: f.limit });
  }

  insert(row: Omit<RegistryEntity, 'createdAt' | 'updatedAt'>): Promise<RegistryEntity> {
    return this.repo.save(this.repo.create(row));
  }

  async update(
    id: string,
    patch: Partial<Omit<RegistryEntity, 'id' | 'createdAt' | 'updatedAt'>>,
  ): Promise<void> {
    await this.repo.update({ id }, patch);
  }

  async delete(id: string): Promise<void> {
    await this.repo.delete({ id });
  }
}
