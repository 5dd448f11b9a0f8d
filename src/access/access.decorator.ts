import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension } from '@nestjs/swagger';
import { ApiErrors } from '../common/swagger.js';
import { GLOBAL_VERBS, type Verb, weakestRoleFor } from './roles.js';

export const ACCESS_SPEC = 'berth:access';

/**
 * Where a route's verb applies:
 * - `cluster`: the route parameter holding the cluster id;
 * - `namespace`: `{ param }` / `{ query }` name where the namespace comes from (a query parameter left out
 *   means every namespace, i.e. cluster-wide), `'cluster-wide'` for cluster-scoped objects, `'per-object'`
 *   when the service checks each object's namespace itself (apply), `'filtered'` when the service lists only
 *   what the caller may see (namespace list); left out: the cluster as a whole (any grant on it counts);
 * - `newCluster`: the request body field with the labels of a cluster being created;
 * - `reveal`: a query flag that, when true, also needs `secrets.reveal` at the same place.
 */
export interface AccessSpec {
  verb: Verb;
  cluster?: string;
  namespace?: { param: string } | { query: string } | 'cluster-wide' | 'per-object' | 'filtered';
  newCluster?: { body: string };
  reveal?: { query: string };
}

export function scopeOf(
  spec: AccessSpec,
): 'global' | 'cluster' | 'namespace' | 'cluster-wide' | 'fleet' | 'new-cluster' {
  if (GLOBAL_VERBS.has(spec.verb)) return 'global';
  if (spec.newCluster) return 'new-cluster';
  if (!spec.cluster) return 'fleet';
  if (spec.namespace === 'cluster-wide') return 'cluster-wide';
  if (spec.namespace && typeof spec.namespace === 'object') return 'namespace';
  return 'cluster';
}

/**
 * The one declaration of what a route needs: a bearer token (user JWT or API token) whose grants give
 * `verb` where the route acts. Enforced by the global guard through AccessService; documented in the
 * OpenAPI document as `x-berth-verb`, `x-berth-role` (the weakest role with the verb) and `x-berth-scope`.
 */
export function Access(verb: Verb, where: Omit<AccessSpec, 'verb'> = {}) {
  const spec: AccessSpec = { verb, ...where };
  const scope = scopeOf(spec);
  const errors: (401 | 403 | 404)[] =
    scope === 'global' || scope === 'fleet' || scope === 'new-cluster' ? [401, 403] : [401, 403, 404];
  return applyDecorators(
    SetMetadata(ACCESS_SPEC, spec),
    ApiBearerAuth(),
    ApiExtension('x-berth-verb', verb),
    ApiExtension('x-berth-role', weakestRoleFor(verb)),
    ApiExtension('x-berth-scope', scope),
    ...(spec.reveal ? [ApiExtension('x-berth-reveal-verb', 'secrets.reveal')] : []),
    ApiErrors(...errors),
  );
}
