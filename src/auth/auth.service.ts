import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import { AppError } from '../common/app-error.js';
import { ErrorCode } from '../common/error-codes.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { LoginDto, LoginResponseDto } from './dto/login.dto.js';
import type { MeDto } from './dto/user.dto.js';
import { AccessService } from '../access/access.service.js';
import { toGrantDto } from '../access/grants.service.js';
import type { JwtClaims } from './jwt.strategy.js';
import { authDependency } from './dependency.js';
import { LoginThrottle } from './login-throttle.js';
import { PasswordHasher } from './password-hasher.js';
import type { AuthUser } from './role.js';
import { TokenDenylist } from './token-denylist.js';
import { toUserDto } from './user.mapper.js';
import type { UserEntity } from './user.entity.js';
import { UsersRepository } from './users.repository.js';

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly jwt: JwtService,
    private readonly throttle: LoginThrottle,
    private readonly denylist: TokenDenylist,
    private readonly access: AccessService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async login(dto: LoginDto, ip: string): Promise<LoginResponseDto> {
    const username = dto.username.trim().toLowerCase();
    // The attempt is counted before the password is checked (429 past the limit, 503 without Redis).
    await this.throttle.take(username, ip);
    // auth_time is taken before the user is read: a role, password or state change that lands while the
    // password is being checked (tokens_valid_after >= this moment) also revokes the token issued here.
    const authTime = Date.now();
    const user = await authDependency('postgres', () => this.users.findByUsername(username));
    // Unknown users cost the same scrypt as known ones (verify hashes against a dummy) and are counted alike.
    // SSO users have no Berth password: checked against the dummy hash like unknown users.
    const local = user && (user.source ?? 'local') === 'local' ? user : null;
    const ok = await this.hasher.verify(dto.password, local?.passwordHash ?? null);
    if (!local || !ok || local.disabled || local.kind === 'service') {
      throw new AppError(ErrorCode.INVALID_CREDENTIALS, 'Wrong username or password');
    }
    await this.throttle.succeeded(username, ip);
    return this.issueSession(local, authTime);
  }

  /**
   * A login session for a user that proved who it is (password, SSO): the JWT Berth issues, with
   * `last_login_at` recorded. `authTime` is taken before the user was read (see login).
   */
  async issueSession(user: UserEntity, authTime: number): Promise<LoginResponseDto> {
    const now = new Date();
    await authDependency('postgres', () => this.users.update(user.id, { lastLoginAt: now }));
    const claims: Omit<JwtClaims, 'iat' | 'exp'> = {
      sub: user.id,
      username: user.username,
      role: user.role,
      jti: randomUUID(),
      auth_time: authTime,
    };
    const ttl = this.config.auth.jwt_ttl_seconds;
    const token = await this.jwt.signAsync(claims, { expiresIn: ttl, issuer: 'berth', algorithm: 'HS256' });
    return {
      access_token: token,
      token_type: 'Bearer',
      expires_in: ttl,
      user: toUserDto({ ...user, lastLoginAt: now }),
    };
  }

  async logout(user: AuthUser): Promise<void> {
    await this.denylist.revokeToken(user.id, user.jti, user.exp);
  }

  async me(user: AuthUser): Promise<MeDto> {
    const row = await this.users.findById(user.id);
    if (!row) throw new AppError(ErrorCode.TOKEN_REVOKED, 'The user of this token no longer exists');
    const effective = await this.access.effectiveGrants(user);
    return {
      ...toUserDto(row),
      grants: effective.user.map(toGrantDto),
      token_id: user.tokenId ?? null,
      token_grants: effective.token?.map(toGrantDto) ?? null,
    };
  }
}
