import { Inject, Injectable } from '@nestjs/common';
import { createSecretKey } from 'node:crypto';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppError } from '../common/app-error.js';
import { ErrorCode } from '../common/error-codes.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { AuthUser, Role } from './role.js';
import { TokenDenylist } from './token-denylist.js';

export interface JwtClaims {
  sub: string;
  username: string;
  role: Role;
  jti: string;
  auth_time: number;
  iat: number;
  exp: number;
}

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly denylist: TokenDenylist,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // A KeyObject: given a string, jsonwebtoken first tries (and fails) to read it as a public key on
      // every verification, which costs about a millisecond per request.
      secretOrKey: createSecretKey(Buffer.from(config.auth.jwt_secret, 'utf8')) as unknown as string,
      algorithms: ['HS256'],
      issuer: 'berth',
      ignoreExpiration: false,
    });
  }

  async validate(claims: JwtClaims): Promise<AuthUser> {
    if (await this.denylist.isRevoked(claims.jti, claims.sub, claims.auth_time)) {
      throw new AppError(ErrorCode.TOKEN_REVOKED, 'The bearer token has been revoked; log in again');
    }
    return { id: claims.sub, username: claims.username, role: claims.role, jti: claims.jti, exp: claims.exp };
  }
}
