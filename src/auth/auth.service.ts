import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import { AppError } from '../common/app-error.js';
import { ErrorCode } from '../common/error-codes.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { LoginDto, LoginResponseDto } from './dto/login.dto.js';
import type { UserDto } from './dto/user.dto.js';
import type { JwtClaims } from './jwt.strategy.js';
import { LoginThrottle } from './login-throttle.js';
import { PasswordHasher } from './password-hasher.js';
import type { AuthUser } from './role.js';
import { TokenDenylist } from './token-denylist.js';
import { toUserDto } from './user.mapper.js';
import { UsersRepository } from './users.repository.js';

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly jwt: JwtService,
    private readonly throttle: LoginThrottle,
    private readonly denylist: TokenDenylist,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async login(dto: LoginDto, ip: string): Promise<LoginResponseDto> {
    const username = dto.username.trim().toLowerCase();
    await this.throttle.assertAllowed(username, ip);
    const user = await this.users.findByUsername(username);
    const ok = await this.hasher.verify(dto.password, user?.passwordHash ?? null);
    if (!user || !ok || user.disabled) {
      await this.throttle.recordFailure(username, ip);
      throw new AppError(ErrorCode.INVALID_CREDENTIALS, 'Wrong username or password');
    }
    await this.throttle.reset(username, ip);
    const now = new Date();
    await this.users.update(user.id, { lastLoginAt: now });
    const claims: Omit<JwtClaims, 'iat' | 'exp'> = {
      sub: user.id,
      username: user.username,
      role: user.role,
      jti: randomUUID(),
      auth_time: now.getTime(),
    };
    const ttl = this.config.auth.jwt_ttl_seconds;
    const token = await this.jwt.signAsync(claims, { expiresIn: ttl, issuer: 'berth', algorithm: 'HS256' });
    return { access_token: token, token_type: 'Bearer', expires_in: ttl, user: toUserDto({ ...user, lastLoginAt: now }) };
  }

  async logout(user: AuthUser): Promise<void> {
    await this.denylist.revokeToken(user.jti, user.exp);
  }

  async me(user: AuthUser): Promise<UserDto> {
    const row = await this.users.findById(user.id);
    if (!row) throw new AppError(ErrorCode.TOKEN_REVOKED, 'The user of this token no longer exists');
    return toUserDto(row);
  }
}
