import { Injectable } from '@nestjs/common';
import { DataSource, type FindOptionsWhere, ILike, MoreThan, Not, Like, type Repository } from 'typeorm';
import type { CredentialProvider } from './credential-provider.js';
import { CredentialEntity } from './credential.entity.js';

export interface CredentialFilter {
  provider?: CredentialProvider;
  q?: string;
  offset: number;
  limit: number;
}

export const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

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

  async update(id: string, patch: Partial<Omit<CredentialEntity, 'id' | 'createdAt' | 'updatedAt'>>): Promise<void> {
    await this.repo.update({ id }, patch);
  }

  async delete(id: string): Promise<void> {
    await this.repo.delete({ id });
  }

  async countByKey(): Promise<Record<string, number>> {
    const rows: { key_id: string; n: string }[] = await this.repo
      .createQueryBuilder('c')
      .select("split_part(c.secret_sealed, ':', 2)", 'key_id')
      .addSelect('count(*)', 'n')
      .groupBy('key_id')
      .getRawMany();
    return Object.fromEntries(rows.map((r) => [r.key_id, Number(r.n)]));
  }

  /** Rows after `after` (by id) whose secret is not sealed under the pattern's key. */
  findSealedNotLike(pattern: string, after: string, limit: number): Promise<Pick<CredentialEntity, 'id' | 'secretSealed'>[]> {
    return this.repo.find({
      select: { id: true, secretSealed: true },
      where: { secretSealed: Not(Like(pattern)), ...(after ? { id: MoreThan(after) } : {}) },
      order: { id: 'ASC' },
      take: limit,
    });
  }

  /** Replaces a sealed secret only if nobody changed it meanwhile. */
  async replaceSealed(id: string, from: string, to: string): Promise<boolean> {
    const res = await this.repo.update({ id, secretSealed: from }, { secretSealed: to });
    return (res.affected ?? 0) > 0;
  }
}
