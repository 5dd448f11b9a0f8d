import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import { AppError } from '../common/app-error.js';
import { ErrorCode } from '../common/error-codes.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { LoginDto, LoginResponseDto } from './dto/login.dto.js';
import type { MeDto } from './dto/user.dto.js';
import { AccessService } from '../access/access.service.js';
import { BearerAuthenticators } from './bearer-authenticators.js';
import type { RefreshDto } from './tokens/dto/refresh.dto.js';
import { RefreshThrottle } from './tokens/refresh-throttle.js';
import {
  type IssuedRefresh,
  RefreshTokensService,
  type SessionRef,
} from './tokens/refresh-tokens.service.js';
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
    private readonly refreshTokens: RefreshTokensService,
    private readonly refreshThrottle: RefreshThrottle,
    private readonly authenticators: BearerAuthenticators,
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
   * A login session for a user that proved who it is (password, SSO): the JWT Berth issues and the first
   * refresh token of a new family, with `last_login_at` recorded. `authTime` is taken before the user was
   * read (see login).
   */
  async issueSession(user: UserEntity, authTime: number): Promise<LoginResponseDto> {
    const now = new Date();
    await authDependency('postgres', () => this.users.update(user.id, { lastLoginAt: now }));
    const session = this.newSession();
    const refresh = await this.refreshTokens.start(user.id, authTime, session);
    return this.sign({ ...user, lastLoginAt: now }, authTime, session, refresh);
  }

  /**
   * A refresh token for a new pair (the used one stops working; a used one presented again ends the
   * session). The session keeps its auth_time, so a role, password or state change still ends it.
   * Attempts are counted per address like logins (429 past the limit, 503 without Redis).
   */
  async refresh(dto: RefreshDto, ip: string): Promise<LoginResponseDto> {
    await this.refreshThrottle.take(ip);
    const session = this.newSession();
    const r = await this.refreshTokens.rotate(dto.refresh_token.trim(), session);
    const user = await authDependency('postgres', () => this.users.findById(r.userId));
    if (!user) throw new AppError(ErrorCode.TOKEN_REVOKED, 'The user of this session no longer exists');
    await this.refreshThrottle.succeeded(ip);
    return this.sign(user, r.authTime, session, r.issued);
  }

  private newSession(): SessionRef {
    return { jti: randomUUID(), exp: Math.floor(Date.now() / 1000) + this.config.auth.jwt_ttl_seconds };
  }

  private async sign(
    user: UserEntity,
    authTime: number,
    session: SessionRef,
    refresh: IssuedRefresh,
  ): Promise<LoginResponseDto> {
    const claims: Omit<JwtClaims, 'iat'> = {
      sub: user.id,
      username: user.username,
      role: user.role,
      jti: session.jti,
      auth_time: authTime,
      exp: session.exp,
    };
    const token = await this.jwt.signAsync(claims, { issuer: 'berth', algorithm: 'HS256' });
    return {
      access_token: token,
      token_type: 'Bearer',
      expires_in: this.config.auth.jwt_ttl_seconds,
      refresh_token: refresh.refreshToken,
      refresh_expires_in: refresh.expiresIn,
      user: toUserDto(user),
    };
  }

  /**
   * Revokes the bearer token used for this call: a login JWT with its whole session (refresh family and
   * the access tokens it issued); an API token or other kind through its authenticator.
   */
  async logout(user: AuthUser): Promise<void> {
    if (user.tokenId && (await this.authenticators.revoke(user))) return;
    await this.denylist.revokeToken(user.id, user.jti, user.exp);
    await this.refreshTokens.revokeSessionOf(user.jti);
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
