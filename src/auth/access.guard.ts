import { type ExecutionContext, Injectable, Optional } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { AppError } from '../common/app-error.js';
import { ErrorCode } from '../common/error-codes.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ACCESS_SPEC, type AccessSpec } from '../access/access.decorator.js';
import { AccessService, type AccessTarget } from '../access/access.service.js';
import { Verb } from '../access/roles.js';
import { AUTHENTICATED_ONLY, IS_PUBLIC } from './authenticated.decorator.js';
import { BearerAuthenticators } from './bearer-authenticators.js';
import type { AuthUser } from './role.js';
import { TokenVerdicts } from './token-verdicts.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface GuardedRequest {
  user: AuthUser;
  headers?: Record<string, unknown>;
  params?: Record<string, string | undefined>;
  query?: Record<string, unknown>;
  body?: unknown;
}

/**
 * The one global guard: a valid, unrevoked bearer token, then the route's declared verb checked by
 * AccessService on the route's cluster and namespace (404 where the caller has no grant at all, 403 where
 * its role lacks the verb). Routes without a declaration are refused at boot (see access-boot-check).
 */
@Injectable()
export class AccessGuard extends AuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly access: AccessService,
    private readonly authenticators: BearerAuthenticators,
    private readonly verdicts: TokenVerdicts,
    @Optional() private readonly metrics?: MetricsService,
  ) {
    super();
  }

  override async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const req = ctx.switchToHttp().getRequest<GuardedRequest>();
    const bearer = bearerOf(req);
    const other = bearer ? this.authenticators.find(bearer) : undefined;
    if (other) {
      try {
        req.user = await other.authenticate(
          bearer!,
          req as unknown as { ip?: string; headers: Record<string, unknown> },
        );
      } catch (e) {
        this.handleRequest(e, null, null);
      }
    } else {
      // A login token verified within the last auth.state_cache_ms (and not revoked since) is not verified again.
      const known = bearer ? this.verdicts.get(bearer) : undefined;
      if (known) req.user = known;
      else {
        const started = this.verdicts.begin();
        await super.canActivate(ctx);
        if (bearer) this.verdicts.set(bearer, req.user, started);
      }
    }
    const spec = this.reflector.getAllAndOverride<AccessSpec | undefined>(ACCESS_SPEC, targets);
    if (!spec) {
      if (this.reflector.getAllAndOverride<boolean>(AUTHENTICATED_ONLY, targets)) return true;
      throw new AppError(ErrorCode.INTERNAL, 'This route declares no access rule');
    }
    const target = targetOf(spec, req);
    if (target === 'invalid-id') return true; // the route's id pipe answers 400
    try {
      await this.access.assert(req.user, spec.verb, target);
      if (spec.reveal && truthy(req.query?.[spec.reveal.query])) {
        // Secret values are audited like a change, allowed or refused.
        const r = req as unknown as { audit?: Record<string, unknown> };
        r.audit = { ...r.audit, sensitive: true, action: 'secret.reveal', targetType: 'clusters' };
        await this.access.assert(req.user, Verb.SECRETS_REVEAL, target);
      }
    } catch (e) {
      if (e instanceof AppError && (e.status === 403 || e.status === 404)) this.metrics?.refused('forbidden');
      throw e;
    }
    return true;
  }

  override handleRequest<T>(err: unknown, user: T, info: unknown): T {
    if (err) {
      // A refused token (revoked, claims missing); a dependency outage (503) is no refusal.
      if (err instanceof AppError && err.code === ErrorCode.TOKEN_REVOKED) this.metrics?.refused('revoked');
      else if (err instanceof AppError && err.code === ErrorCode.UNAUTHENTICATED)
        this.metrics?.refused('invalid');
      throw err;
    }
    if (!user) {
      const reason = info instanceof Error ? info.message : '';
      this.metrics?.refused(
        reason === 'jwt expired' ? 'expired' : reason === 'No auth token' ? 'missing' : 'invalid',
      );
      const message =
        reason === 'jwt expired'
          ? 'The bearer token has expired; log in again'
          : reason === 'No auth token'
            ? 'A bearer token is required (Authorization: Bearer <token>)'
            : 'The bearer token is invalid';
      throw new AppError(ErrorCode.UNAUTHENTICATED, message);
    }
    return user;
  }
}

function truthy(v: unknown): boolean {
  return v === true || v === 'true' || v === '1';
}

function targetOf(spec: AccessSpec, req: GuardedRequest): AccessTarget | 'invalid-id' {
  const t: AccessTarget = {};
  if (spec.newCluster) {
    const body = req.body as Record<string, unknown> | null | undefined;
    const labels = body && typeof body === 'object' ? body[spec.newCluster.body] : undefined;
    t.newCluster = {
      labels:
        labels && typeof labels === 'object' && !Array.isArray(labels)
          ? (Object.fromEntries(Object.entries(labels).filter(([, v]) => typeof v === 'string')) as Record<
              string,
              string
            >)
          : {},
    };
    return t;
  }
  if (!spec.cluster) return t;
  const id = req.params?.[spec.cluster];
  if (typeof id !== 'string' || !UUID.test(id)) return 'invalid-id';
  t.cluster = id.toLowerCase();
  const ns = spec.namespace;
  if (ns === 'cluster-wide') t.namespace = null;
  else if (ns && typeof ns === 'object') {
    const v = 'param' in ns ? req.params?.[ns.param] : req.query?.[ns.query];
    t.namespace = typeof v === 'string' && v !== '' ? v : null;
  }
  return t;
}

function bearerOf(req: GuardedRequest): string | undefined {
  const h = req.headers?.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m?.[1];
}
