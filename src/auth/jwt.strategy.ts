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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Berth issues every token with these claims; a token without them (e.g. without `exp`: eternal) is refused. */
function hasRequiredClaims(c: unknown): c is JwtClaims {
  const claims = c as Partial<JwtClaims> | null;
  return (
    typeof claims === 'object' &&
    claims !== null &&
    typeof claims.sub === 'string' &&
    UUID.test(claims.sub) &&
    typeof claims.jti === 'string' &&
    claims.jti.length > 0 &&
    claims.jti.length <= 128 &&
    Number.isFinite(claims.exp) &&
    Number.isFinite(claims.auth_time)
  );
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

  async validate(claims: unknown): Promise<AuthUser> {
    if (!hasRequiredClaims(claims))
      throw new AppError(ErrorCode.UNAUTHENTICATED, 'The bearer token is invalid');
    // Username and role come from Postgres (through a short cache), never from the token: a demoted
    // user's old token can never act with the old role.
    const current = await this.denylist.check(claims);
    return {
      id: claims.sub,
      username: current.username,
      role: current.role,
      jti: claims.jti,
      exp: claims.exp,
    };
  }
}
