import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, type Repository } from 'typeorm';
import { Role } from '../role.js';
import { UserEntity } from '../user.entity.js';

export type SsoSource = 'oidc' | 'ldap';

/** Users that an SSO connector provisions: found by the identity the connector knows them by. */
@Injectable()
export class SsoUsersRepository {
  private readonly repo: Repository<UserEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(UserEntity);
  }

  findByIdentity(source: SsoSource, issuer: string, subject: string): Promise<UserEntity | null> {
    return this.repo.findOneBy({ source, externalIssuer: issuer, externalSubject: subject });
  }

  async usernameTaken(username: string, exceptId?: string): Promise<boolean> {
    const u = await this.repo.findOneBy({ username });
    return u !== null && u.id !== exceptId;
  }

  /** A new SSO user: a human with no role preset (its access comes from grants, its groups' included). */
  async insert(source: SsoSource, issuer: string, subject: string, username: string): Promise<UserEntity> {
    return this.repo.save(
      this.repo.create({
        id: randomUUID(),
        username,
        // Not a scrypt hash: no password ever matches it (AuthService.login also refuses non-local users).
        passwordHash: `!${source}`,
        role: Role.NONE,
        kind: 'human',
        source,
        externalIssuer: issuer,
        externalSubject: subject,
      }),
    );
  }

  async rename(id: string, username: string): Promise<void> {
    await this.repo.update({ id }, { username });
  }
}
