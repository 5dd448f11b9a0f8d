/**
 * A Kubernetes API request classified the way the API server does it (k8s.io/apiserver
 * pkg/endpoints/request/requestinfo.go): resource requests under /api and /apis get a verb, API group,
 * version, resource, subresource, namespace and name; everything else is a non-resource request (path +
 * lower-case method as verb).
 */
export interface RequestInfo {
  isResourceRequest: boolean;
  path: string;
  verb: string;
  apiPrefix?: string;
  apiGroup?: string;
  apiVersion?: string;
  namespace?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

const API_PREFIXES = new Set(['api', 'apis']);
const GROUPLESS_PREFIXES = new Set(['api']);
const SPECIAL_VERBS = new Set(['proxy', 'watch']);
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);
const VERBS: Record<string, string> = {
  POST: 'create',
  GET: 'get',
  HEAD: 'get',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

/** Go's strconv.ParseBool, which the API server uses for `watch`. */
function goBool(v: string | null): boolean {
  return v !== null && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v);
}

/** `metadata.name=x` (or `==`) when the field selector requires exactly that name. */
function exactName(fieldSelector: string | null): string | undefined {
  if (!fieldSelector) return undefined;
  for (const term of fieldSelector.split(',')) {
    const m = /^\s*metadata\.name\s*==?\s*(.*?)\s*$/.exec(term);
    if (m && !m[1].includes('!')) return m[1];
  }
  return undefined;
}

/**
 * `path` is the decoded request path (segments separated by `/`, no query); `query` its query string.
 * A path that is malformed for the API server's parser (e.g. `/api/v1/watch` without a resource) is
 * classified as a non-resource request, which the proxy refuses.
 */
export function requestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const upper = method.toUpperCase();
  const nonResource: RequestInfo = { isResourceRequest: false, path, verb: upper.toLowerCase() };
  let parts = path.replace(/^\/+|\/+$/g, '').split('/');
  if (parts.length === 1 && parts[0] === '') parts = [];
  if (parts.length < 1 || !API_PREFIXES.has(parts[0])) return nonResource;
  const info: RequestInfo = { isResourceRequest: false, path, verb: '', apiPrefix: parts[0] };
  parts = parts.slice(1);
  if (!GROUPLESS_PREFIXES.has(info.apiPrefix!)) {
    // /apis/<group>/<version>/...
    if (parts.length < 3) return nonResource;
    info.apiGroup = parts[0];
    parts = parts.slice(1);
  } else info.apiGroup = '';
  // /api/<version>/... ; /api alone, /api/v1 alone are discovery (non-resource)
  if (parts.length < 2) return nonResource;
  info.apiVersion = parts[0];
  parts = parts.slice(1);
  info.isResourceRequest = true;
  if (SPECIAL_VERBS.has(parts[0])) {
    if (parts.length < 2) return nonResource;
    info.verb = parts[0];
    parts = parts.slice(1);
  } else {
    const verb = VERBS[upper];
    if (!verb) return nonResource;
    info.verb = verb;
  }
  if (parts[0] === 'namespaces') {
    info.namespace = '';
    if (parts.length > 1) {
      info.namespace = parts[1];
      if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2])) parts = parts.slice(2);
    }
  } else info.namespace = '';
  info.resource = parts[0];
  if (parts.length >= 2) info.name = parts[1];
  if (parts.length >= 3) info.subresource = parts[2];
  if (!info.name && info.verb === 'get') {
    info.verb = goBool(query.get('watch')) ? 'watch' : 'list';
    const n = exactName(query.get('fieldSelector'));
    if (n) info.name = n;
  }
  if (!info.name && info.verb === 'delete') info.verb = 'deletecollection';
  return info;
}

/** Verbs that change state (the proxy audits them). */
export const MUTATING_VERBS: ReadonlySet<string> = new Set([
  'create',
  'update',
  'patch',
  'delete',
  'deletecollection',
]);
