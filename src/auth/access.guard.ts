import { type CanActivate, type ExecutionContext, Injectable, Optional } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppError } from '../common/app-error.js';
import { ErrorCode } from '../common/error-codes.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ACCESS_SPEC, type AccessSpec } from '../access/access.decorator.js';
import { AccessService, type AccessTarget } from '../access/access.service.js';
import { Verb } from '../access/roles.js';
import { AUTHENTICATED_ONLY, IS_PUBLIC } from './authenticated.decorator.js';
import { RequestAuthenticator } from './request-authenticator.js';
import type { AuthUser } from './role.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface GuardedRequest {
  user: AuthUser;
  headers?: Record<string, unknown>;
  params?: Record<string, string | undefined>;
  query?: Record<string, unknown>;
  body?: unknown;
}

/**
 * The one global guard: a valid, unrevoked bearer token (RequestAuthenticator, shared with the upgrade
 * handlers and the Kubernetes proxy), then the route's declared verb checked by
 * AccessService on the route's cluster and namespace (404 where the caller has no grant at all, 403 where
 * its role lacks the verb). Routes without a declaration are refused at boot (see access-boot-check).
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly access: AccessService,
    private readonly authn: RequestAuthenticator,
    @Optional() private readonly metrics?: MetricsService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const req = ctx.switchToHttp().getRequest<GuardedRequest>();
    req.user = await this.authn.authenticate(
      req as unknown as { ip?: string; headers: Record<string, unknown> },
    );
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
