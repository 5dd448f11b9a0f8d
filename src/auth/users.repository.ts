import { Injectable } from '@nestjs/common';
import { DataSource, type FindOptionsWhere, ILike, type Repository } from 'typeorm';
import { escapeLike } from '../common/sql.js';
import type { Role } from './role.js';
import { UserEntity } from './user.entity.js';

export interface UserFilter {
  role?: Role;
  q?: string;
  offset: number;
  limit: number;
}

@Injectable()
export class UsersRepository {
  private readonly repo: Repository<UserEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(UserEntity);
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.repo.findOneBy({ id });
  }

  findByUsername(username: string): Promise<UserEntity | null> {
    return this.repo.findOneBy({ username });
  }

  count(where: FindOptionsWhere<UserEntity> = {}): Promise<number> {
    return this.repo.countBy(where);
  }

  async list(f: UserFilter): Promise<[UserEntity[], number]> {
    const where: FindOptionsWhere<UserEntity> = {};
    if (f.role) where.role = f.role;
    if (f.q) where.username = ILike(`%${escapeLike(f.q)}%`);
    return this.repo.findAndCount({
      where,
      order: { createdAt: 'ASC', id: 'ASC' },
      skip: f.offset,
      take: f.limit,
    });
  }

  /** Inserts unless the username exists; returns whether a row was written. */
  async insertIfAbsent(
    user: Pick<UserEntity, 'id' | 'username' | 'passwordHash' | 'role'>,
  ): Promise<boolean> {
    const res = await this.repo
      .createQueryBuilder()
      .insert()
      .values(user)
      .orIgnore()
      .returning('id')
      .execute();
    return Array.isArray(res.raw) && res.raw.length > 0;
  }

  insert(user: Pick<UserEntity, 'id' | 'username' | 'passwordHash' | 'role'>): Promise<UserEntity> {
    return this.repo.save(this.repo.create(user));
  }

  async update(
    id: string,
    patch: Partial<
      Pick<UserEntity, 'passwordHash' | 'role' | 'disabled' | 'lastLoginAt' | 'tokensValidAfter'>
    >,
  ) {
    await this.repo.update({ id }, patch);
  }

  async delete(id: string): Promise<void> {
    await this.repo.delete({ id });
  }
}
