import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import * as jose from 'jose';
import * as oidc from 'openid-client';
import { AppError } from '../../common/app-error.js';
import { ErrorCode } from '../../common/error-codes.js';
import { OutboundPolicy } from '../../common/outbound/outbound-policy.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { REDIS } from '../../redis/redis.module.js';
import { authDependency } from '../dependency.js';
import type { LoginResponseDto } from '../dto/login.dto.js';
import { type FetchLike, guardedFetch } from './guarded-fetch.js';
import { SsoUsersService } from './sso-users.service.js';

interface PendingLogin {
  nonce: string;
  verifier: string;
}

const unauthenticated = (message: string) => new AppError(ErrorCode.INVALID_CREDENTIALS, message);

/** An error's message with its causes' ("something went wrong: … : <the socket's own reason>"). */
export function describeError(e: unknown): string {
  const parts: string[] = [];
  for (let c: unknown = e, i = 0; c && i < 5; c = (c as { cause?: unknown }).cause, i++) {
    const m = (c as { message?: unknown }).message;
    parts.push(typeof m === 'string' ? m : String(c));
  }
  return parts.join(': ');
}

/** The groups claim as a list of names: an array of strings, or one string. */
export function groupsOf(claims: Record<string, unknown>, claim: string): string[] {
  const v = claims[claim];
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((g): g is string => typeof g === 'string') : [];
}

/**
 * The OpenID Connect connector. Browsers: authorization code with PKCE (S256), state and nonce kept in
 * Redis for `state_ttl_seconds` and usable once; the ID token is verified by openid-client (issuer,
 * audience, nonce, expiry, and its signature against the issuer's JWKS — non-repudiation checks on).
 * Portals holding the issuer's tokens exchange an ID token or JWT access token for a Berth session
 * (`exchange`): signature via the JWKS, `iss`, `aud` among the allowed audiences, `exp`.
 * Every request to the issuer (discovery, JWKS, token endpoint) goes through the outbound policy.
 */
@Injectable()
export class OidcService {
  private readonly logger = new Logger(OidcService.name);
  private readonly cfg: AppConfig['sso']['oidc'];
  private readonly fetch: FetchLike;
  private configuration?: Promise<oidc.Configuration>;
  private jwks?: ReturnType<typeof jose.createRemoteJWKSet>;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly users: SsoUsersService,
  ) {
    this.cfg = config.sso.oidc;
    this.fetch = guardedFetch(new OutboundPolicy(config.outbound), this.cfg.timeout_ms);
  }

  get enabled(): boolean {
    return Boolean(this.cfg.issuer);
  }

  private assertEnabled(): void {
    if (!this.enabled)
      throw new AppError(ErrorCode.NOT_FOUND, 'OIDC sign-in is not configured (BERTH_OIDC_ISSUER)');
  }

  /** The issuer's metadata, discovered once (again after a failure). */
  private async issuer(): Promise<oidc.Configuration> {
    this.configuration ??= (async () => {
      const c = this.cfg;
      const insecure = new URL(c.issuer!).protocol === 'http:';
      const conf = await oidc.discovery(
        new URL(c.issuer!),
        c.client_id!,
        { [oidc.clockTolerance]: c.clock_tolerance_seconds },
        c.client_secret ? oidc.ClientSecretPost(c.client_secret) : oidc.None(),
        {
          [oidc.customFetch]: this.fetch as oidc.CustomFetch,
          timeout: Math.ceil(c.timeout_ms / 1000),
          // http:// issuers are refused in production at boot (load-config); elsewhere they serve tests.
          execute: insecure ? [oidc.allowInsecureRequests] : [],
        },
      );
      oidc.enableNonRepudiationChecks(conf);
      return conf;
    })();
    try {
      return await this.configuration;
    } catch (e) {
      this.configuration = undefined;
      this.logger.warn(`OIDC discovery of ${this.cfg.issuer} failed: ${describeError(e)}`);
      throw new AppError(
        ErrorCode.DEPENDENCY_UNAVAILABLE,
        'The OIDC issuer is unavailable; try again shortly',
        { dependency: 'oidc' },
        { 'retry-after': '5' },
      );
    }
  }

  /** Starts a browser login: the issuer's authorization URL (state, nonce and PKCE verifier kept here). */
  async loginUrl(): Promise<string> {
    this.assertEnabled();
    const conf = await this.issuer();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const verifier = oidc.randomPKCECodeVerifier();
    const pending: PendingLogin = { nonce, verifier };
    await authDependency('redis', () =>
      this.redis.set(`oidc:state:${state}`, JSON.stringify(pending), 'EX', this.cfg.state_ttl_seconds),
    );
    return oidc
      .buildAuthorizationUrl(conf, {
        redirect_uri: this.cfg.redirect_uri!,
        scope: this.cfg.scopes.join(' '),
        response_type: 'code',
        state,
        nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      })
      .toString();
  }

  /** The issuer sent the browser back: `query` is the callback's query string (without "?"). */
  async callback(query: string): Promise<{ session: LoginResponseDto; groups: string[] }> {
    this.assertEnabled();
    const authTime = Date.now();
    const params = new URLSearchParams(query);
    const state = params.get('state');
    if (params.get('error'))
      throw unauthenticated(
        `The OIDC issuer refused the login: ${params.get('error')}${params.get('error_description') ? ` (${params.get('error_description')})` : ''}`.slice(
          0,
          500,
        ),
      );
    if (!state || state.length > 256) throw unauthenticated('The OIDC callback carries no state');
    // One use: a replayed callback finds nothing.
    const raw = await authDependency('redis', () => this.redis.getdel(`oidc:state:${state}`));
    if (!raw) throw unauthenticated('Unknown or expired OIDC login state; start the login again');
    const pending = JSON.parse(raw) as PendingLogin;
    const conf = await this.issuer();
    const current = new URL(this.cfg.redirect_uri!);
    current.search = params.toString();
    let claims: oidc.IDToken | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(conf, current, {
        pkceCodeVerifier: pending.verifier,
        expectedNonce: pending.nonce,
        expectedState: state,
        idTokenExpected: true,
      });
      claims = tokens.claims();
    } catch (e) {
      throw this.refusal(e);
    }
    if (!claims) throw unauthenticated('The OIDC issuer answered without an ID token');
    return this.signIn(claims as unknown as Record<string, unknown>, authTime);
  }

  /**
   * A portal that holds a token of the issuer (an ID token, or an access token in JWT form) trades it for
   * a Berth session: signature against the issuer's JWKS, `iss`, `aud` (one of the allowed audiences,
   * default the client id), `exp` required and not past.
   */
  async exchange(token: string): Promise<{ session: LoginResponseDto; groups: string[] }> {
    this.assertEnabled();
    const authTime = Date.now();
    const conf = await this.issuer();
    const meta = conf.serverMetadata();
    if (!meta.jwks_uri) throw unauthenticated('The OIDC issuer publishes no JWKS');
    this.jwks ??= jose.createRemoteJWKSet(new URL(meta.jwks_uri), {
      [jose.customFetch]: this.fetch as unknown as jose.FetchImplementation,
      timeoutDuration: this.cfg.timeout_ms,
    });
    const audiences = this.cfg.audiences.length ? this.cfg.audiences : [this.cfg.client_id!];
    let payload: jose.JWTPayload;
    try {
      ({ payload } = await jose.jwtVerify(token, this.jwks, {
        issuer: meta.issuer,
        audience: audiences,
        clockTolerance: this.cfg.clock_tolerance_seconds,
        requiredClaims: ['exp', 'sub'],
        algorithms: [
          'RS256',
          'RS384',
          'RS512',
          'PS256',
          'PS384',
          'PS512',
          'ES256',
          'ES384',
          'ES512',
          'EdDSA',
        ],
      }));
    } catch (e) {
      throw this.refusal(e);
    }
    return this.signIn(payload as Record<string, unknown>, authTime);
  }

  private signIn(claims: Record<string, unknown>, authTime: number) {
    const sub = claims.sub;
    if (typeof sub !== 'string' || !sub) throw unauthenticated('The OIDC token has no subject');
    const pick = (k: string) => (typeof claims[k] === 'string' ? (claims[k] as string) : '');
    return this.users.signIn(
      {
        source: 'oidc',
        issuer: this.cfg.issuer!,
        subject: sub,
        username: pick(this.cfg.username_claim) || pick('email') || sub,
        groups: groupsOf(claims, this.cfg.groups_claim),
      },
      authTime,
    );
  }

  /** What the caller learns about a token or code the issuer (or its JWKS) does not vouch for: 401, why. */
  private refusal(e: unknown): AppError {
    if (e instanceof AppError) return e;
    const err = e as { code?: string; message?: string; error?: string; cause?: unknown };
    // An issuer that cannot be reached (refused, timed out, denied by the outbound policy) is an outage,
    // not a wrong token: anywhere in the cause chain.
    for (let c: unknown = e, i = 0; c && i < 5; c = (c as { cause?: unknown }).cause, i++) {
      const x = c as { code?: unknown; name?: unknown; message?: unknown };
      if (
        (typeof x.code === 'string' &&
          /^(ECONN|ETIMEDOUT|EBERTH|ENOTFOUND|EAI_|ERR_JWKS_TIMEOUT)/.test(x.code)) ||
        x.name === 'TimeoutError'
      ) {
        this.logger.warn(`OIDC issuer unreachable: ${describeError(e)}`);
        return new AppError(
          ErrorCode.DEPENDENCY_UNAVAILABLE,
          'The OIDC issuer is unavailable; try again shortly',
          { dependency: 'oidc' },
          { 'retry-after': '5' },
        );
      }
    }
    let claim: unknown;
    for (
      let c: unknown = e, i = 0;
      c && i < 5 && claim === undefined;
      c = (c as { cause?: unknown }).cause, i++
    )
      claim = (c as { claim?: unknown }).claim;
    const why =
      (err?.error ? `${err.error}${err.message ? `: ${err.message}` : ''}` : (err?.message ?? String(e))) +
      (typeof claim === 'string' ? ` (claim ${claim})` : '');
    return unauthenticated(`The OIDC token was refused: ${why}`.slice(0, 500));
  }
}
