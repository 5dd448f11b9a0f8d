import { Inject, Injectable, Optional } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { createSecretKey, type KeyObject } from 'node:crypto';
import { AppError } from '../common/app-error.js';
import { ErrorCode } from '../common/error-codes.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { BearerAuthenticators } from './bearer-authenticators.js';
import { JwtStrategy } from './jwt.strategy.js';
import { TokenVerdicts } from './token-verdicts.js';
import type { AuthUser } from './role.js';

/** What an authenticator sees of a request: its headers (and address), for HTTP routes and upgrades alike. */
export interface AuthenticatedRequest {
  headers: Record<string, unknown>;
  ip?: string;
}

/** The bearer token of `Authorization: Bearer <token>`, or undefined. */
export function bearerOf(headers: Record<string, unknown> | undefined): string | undefined {
  const h = headers?.authorization;
  if (typeof h !== 'string') return undefined;
  return /^Bearer\s+(\S+)$/i.exec(h)?.[1];
}

/**
 * Who is calling: the one authentication of Berth, used by the global guard for every route and by the
 * WebSocket/SPDY upgrade handlers and the Kubernetes proxy (which Nest's guard never sees). Registered
 * bearer authenticators (API tokens, SSO issuers) are tried first, then Berth's login JWT (HS256, issuer
 * `berth`, required claims, durable revocation through TokenDenylist). Throws 401 (UNAUTHENTICATED /
 * TOKEN_REVOKED) or 503 when a dependency is down.
 */
@Injectable()
export class RequestAuthenticator {
  private readonly key: KeyObject;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly jwt: JwtService,
    private readonly strategy: JwtStrategy,
    private readonly authenticators: BearerAuthenticators,
    private readonly verdicts: TokenVerdicts,
    @Optional() private readonly metrics?: MetricsService,
  ) {
    // A KeyObject: given a string, jsonwebtoken first tries (and fails) to read it as a public key.
    this.key = createSecretKey(Buffer.from(config.auth.jwt_secret, 'utf8'));
  }

  async authenticate(req: AuthenticatedRequest): Promise<AuthUser> {
    const bearer = bearerOf(req.headers);
    if (!bearer) {
      this.metrics?.refused('missing');
      throw new AppError(
        ErrorCode.UNAUTHENTICATED,
        'A bearer token is required (Authorization: Bearer <token>)',
      );
    }
    const other = this.authenticators.find(bearer);
    if (!other) {
      // A login token verified within the last auth.state_cache_ms (and not revoked since) is not verified again.
      const known = this.verdicts.get(bearer);
      if (known) return known;
      const started = this.verdicts.begin();
      let claims: unknown;
      try {
        claims = this.jwt.verify(bearer, {
          secret: this.key as unknown as string,
          algorithms: ['HS256'],
          issuer: 'berth',
        });
      } catch (e) {
        const expired = (e as Error)?.name === 'TokenExpiredError';
        this.metrics?.refused(expired ? 'expired' : 'invalid');
        throw new AppError(
          ErrorCode.UNAUTHENTICATED,
          expired ? 'The bearer token has expired; log in again' : 'The bearer token is invalid',
        );
      }
      const user = await this.counted(() => this.strategy.validate(claims));
      this.verdicts.set(bearer, user, started);
      return user;
    }
    return this.counted(() => other.authenticate(bearer, req));
  }

  /** A refused token (revoked, claims missing) is counted; a dependency outage (503) is no refusal. */
  private async counted(fn: () => Promise<AuthUser>): Promise<AuthUser> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof AppError && e.code === ErrorCode.TOKEN_REVOKED) this.metrics?.refused('revoked');
      else if (e instanceof AppError && e.code === ErrorCode.UNAUTHENTICATED)
        this.metrics?.refused('invalid');
      throw e;
    }
  }
}
