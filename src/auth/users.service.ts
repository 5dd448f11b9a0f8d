import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppError } from '../common/app-error.js';
import { page, type Page } from '../common/envelope.js';
import { ErrorCode } from '../common/error-codes.js';
import { APP_CONFIG, type AppConfig, DEV_ADMIN_PASSWORD } from '../config/app-config.js';
import type { CreateUserDto, UpdateUserDto, UserDto, UserListQueryDto } from './dto/user.dto.js';
import { GrantsService } from '../access/grants.service.js';
import { PasswordHasher } from './password-hasher.js';
import { type AuthUser, Role } from './role.js';
import { TokenDenylist } from './token-denylist.js';
import type { UserEntity } from './user.entity.js';
import { toUserDto } from './user.mapper.js';
import { UsersRepository } from './users.repository.js';

@Injectable()
export class UsersService implements OnApplicationBootstrap {
  private readonly logger = new Logger(UsersService.name);

  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly denylist: TokenDenylist,
    private readonly grants: GrantsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** First boot: create `admin` when no user exists yet. */
  async onApplicationBootstrap(): Promise<void> {
    if ((await this.users.count()) > 0) return;
    let password = this.config.auth.admin_password;
    if (!password) {
      if (this.config.env === 'production') {
        throw new Error('no user exists yet: set BERTH_ADMIN_PASSWORD so the first admin can be created');
      }
      password = DEV_ADMIN_PASSWORD;
      this.logger.warn(`created user "admin" with the development password "${DEV_ADMIN_PASSWORD}"`);
    }
    const id = randomUUID();
    const created = await this.users.insertIfAbsent({
      id,
      username: 'admin',
      passwordHash: await this.hasher.hash(password),
      role: Role.ADMIN,
    });
    if (created) {
      await this.grants.setPreset(id, Role.ADMIN);
      this.logger.log('created the first admin user "admin"');
    }
  }

  async list(q: UserListQueryDto): Promise<Page<UserDto>> {
    const [rows, total] = await this.users.list({
      role: q.role,
      q: q.q,
      offset: q.offset,
      limit: q.page_size,
    });
    return page(rows.map(toUserDto), total, q.page, q.page_size);
  }

  async get(id: string): Promise<UserDto> {
    return toUserDto(await this.mustFind(id));
  }

  async create(dto: CreateUserDto): Promise<UserDto> {
    if (await this.users.findByUsername(dto.username))
      throw AppError.conflict(`user ${dto.username} already exists`);
    const user = await this.users.insert({
      id: randomUUID(),
      username: dto.username,
      passwordHash: await this.hasher.hash(dto.password),
      role: dto.role,
    });
    await this.grants.setPreset(user.id, dto.role);
    return toUserDto(user);
  }

  async update(actor: AuthUser, id: string, dto: UpdateUserDto): Promise<UserDto> {
    const user = await this.mustFind(id);
    if ((dto.role && dto.role !== Role.ADMIN) || dto.disabled) await this.assertNotLastAdmin(user, actor);
    const patch: Parameters<UsersRepository['update']>[1] = {};
    if (dto.password) patch.passwordHash = await this.hasher.hash(dto.password);
    if (dto.role) patch.role = dto.role;
    if (dto.disabled !== undefined) patch.disabled = dto.disabled;
    if (Object.keys(patch).length) {
      // Any change of role, password or state ends the user's sessions, in the same durable write.
      patch.tokensValidAfter = new Date();
      await this.users.update(id, patch);
      if (dto.role && dto.role !== user.role) await this.grants.setPreset(id, dto.role);
      await this.denylist.revokeUser(id);
    }
    return this.get(id);
  }

  async remove(actor: AuthUser, id: string): Promise<void> {
    const user = await this.mustFind(id);
    if (user.id === actor.id) throw AppError.conflict('you cannot delete your own user');
    await this.assertNotLastAdmin(user, actor);
    await this.users.delete(id);
    await this.grants.deleteForSubject('user', id);
    await this.denylist.revokeUser(id);
  }

  private async assertNotLastAdmin(user: UserEntity, _actor: AuthUser): Promise<void> {
    if (
      user.role === Role.ADMIN &&
      !user.disabled &&
      (await this.users.count({ role: Role.ADMIN, disabled: false })) <= 1
    ) {
      throw new AppError(ErrorCode.CONFLICT, 'this is the last active admin; make another admin first');
    }
  }

  private async mustFind(id: string): Promise<UserEntity> {
    const user = await this.users.findById(id);
    if (!user) throw AppError.notFound('user', id);
    return user;
  }
}
