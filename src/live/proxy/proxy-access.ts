import { Verb } from '../../access/roles.js';
import { MUTATING_VERBS, type RequestInfo } from './request-info.js';

export type SessionKind = 'exec' | 'attach' | 'portforward';

/** What Berth checks for one proxied request: a verb where (namespace as AccessTarget), and what to audit. */
export type ProxyAccess =
  | {
      verb: Verb;
      /** undefined: the cluster as a whole; null: cluster-wide; a string: that namespace. */
      namespace: string | null | undefined;
      /** A change: one audit row (`k8s.<verb>`). */
      mutating: boolean;
      /** An interactive session on a pod (audited from start to end). */
      session?: SessionKind;
      /** Answered by Berth itself from its grants, never sent to the cluster. */
      local?: 'selfsubjectaccessreview';
    }
  | { refused: string };

/** Non-resource paths passed through: discovery, OpenAPI, version, health. */
const DISCOVERY =
  /^\/(api|apis)(\/[^/]+){0,2}\/?$|^\/version\/?$|^\/openapi\/v2\/?$|^\/openapi\/v3(\/.*)?$|^\/(healthz|livez|readyz)(\/[^/]+)?\/?$/;

const READ_VERBS = new Set(['get', 'list', 'watch']);

/**
 * Kubernetes request → Berth verb (README "kubectl through Berth"):
 * - discovery, OpenAPI, /version and health → clusters.read (any grant on the cluster);
 * - pods/exec, pods/attach, pods/portforward, and the proxy subresource of pods and services → pods.exec;
 *   nodes/proxy (the kubelet's API, which can run commands) is refused;
 * - pods/log → logs.read;
 * - Secrets get/list/watch (values travel in them) and serviceaccounts/token (mints a credential) → secrets.reveal;
 * - other reads → objects.read, other writes → objects.write; writes to nodes → nodes.manage;
 * - cluster-scoped objects (nodes, namespaces themselves, CRDs, cluster roles…) are cluster-wide (a grant
 *   without a namespace limit); reading one namespace object is allowed inside that namespace;
 * - SelfSubjectAccessReview (`kubectl auth can-i`) is answered by Berth from its grants;
 * - anything else that is not a resource request (/metrics, /logs, /debug…) is refused.
 */
export function proxyAccess(info: RequestInfo): ProxyAccess {
  if (!info.isResourceRequest) {
    if ((info.verb === 'get' || info.verb === 'head') && DISCOVERY.test(info.path))
      return { verb: Verb.CLUSTERS_READ, namespace: undefined, mutating: false };
    return { refused: `Berth does not pass ${info.verb.toUpperCase()} ${info.path} through` };
  }
  const core = info.apiGroup === '';
  const resource = info.resource ?? '';
  const sub = info.subresource;
  const mutating = MUTATING_VERBS.has(info.verb);
  let namespace: string | null = info.namespace ? info.namespace : null;
  if (core && resource === 'namespaces' && (mutating || !info.name)) namespace = null;
  if (core && resource === 'pods' && (sub === 'exec' || sub === 'attach' || sub === 'portforward'))
    return { verb: Verb.PODS_EXEC, namespace, mutating: false, session: sub };
  if (info.verb === 'proxy' || sub === 'proxy') {
    if (core && (resource === 'pods' || resource === 'services'))
      return { verb: Verb.PODS_EXEC, namespace, mutating: false };
    return { refused: `Berth does not proxy to ${resource}` };
  }
  if (core && resource === 'pods' && sub === 'log')
    return { verb: Verb.LOGS_READ, namespace, mutating: false };
  if (core && resource === 'secrets' && READ_VERBS.has(info.verb))
    return { verb: Verb.SECRETS_REVEAL, namespace, mutating: false };
  if (core && resource === 'serviceaccounts' && sub === 'token')
    return { verb: Verb.SECRETS_REVEAL, namespace, mutating: true };
  if (
    info.apiGroup === 'authorization.k8s.io' &&
    resource === 'selfsubjectaccessreviews' &&
    info.verb === 'create'
  )
    return {
      verb: Verb.CLUSTERS_READ,
      namespace: undefined,
      mutating: false,
      local: 'selfsubjectaccessreview',
    };
  if (READ_VERBS.has(info.verb)) return { verb: Verb.OBJECTS_READ, namespace, mutating: false };
  if (!mutating) return { refused: `Berth does not pass the verb ${info.verb} through` };
  if (core && resource === 'nodes') return { verb: Verb.NODES_MANAGE, namespace: null, mutating: true };
  return { verb: Verb.OBJECTS_WRITE, namespace, mutating: true };
}
