import { parse } from 'yaml';
import { AppError } from '../../common/app-error.js';
import { ErrorCode } from '../../common/error-codes.js';
import type { ClusterAccess } from './cluster-access.js';
import { clientCertificateProblem, tokenProblem } from './credential-check.js';

type Obj = Record<string, unknown>;

const refuse = (field: string, why: string) =>
  new AppError(ErrorCode.KUBECONFIG_REFUSED, `Kubeconfig refused: ${field} ${why}`, { field });

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Fields that would make Berth run a command, read a file or send credentials elsewhere. */
const REFUSED_USER_FIELDS: Record<string, string> = {
  exec: 'runs a command on the Berth server; use a token or client certificate data instead',
  'auth-provider': 'runs an authentication plugin; use a token or client certificate data instead',
  tokenFile: 'reads a file on the Berth server; put the token inline (token)',
  'client-certificate': 'reads a file on the Berth server; use client-certificate-data',
  'client-key': 'reads a file on the Berth server; use client-key-data',
  username: 'uses basic authentication, which Kubernetes no longer supports',
  password: 'uses basic authentication, which Kubernetes no longer supports',
  as: 'asks for impersonation, which Berth does not support',
  'as-groups': 'asks for impersonation, which Berth does not support',
  'as-uid': 'asks for impersonation, which Berth does not support',
  'as-user-extra': 'asks for impersonation, which Berth does not support',
};
const REFUSED_CLUSTER_FIELDS: Record<string, string> = {
  'certificate-authority': 'reads a file on the Berth server; use certificate-authority-data',
  'proxy-url': 'routes traffic through a proxy, which Berth does not support',
};

const isBase64 = (s: string) => /^[A-Za-z0-9+/\r\n]+={0,2}\s*$/.test(s);

function named(list: unknown, kind: string, name: string, field: string): Obj {
  if (!Array.isArray(list)) throw refuse(`${kind}s`, 'is missing');
  const entry = list.find((e) => isObj(e) && e.name === name);
  if (!isObj(entry) || !isObj(entry[field])) throw refuse(`${kind}s`, `has no entry named "${name}"`);
  return entry[field] as Obj;
}

/** Checks that `server` is an https URL Berth may call. */
export function checkServer(server: unknown, field = 'server'): string {
  if (typeof server !== 'string') throw refuse(field, 'is missing');
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw refuse(field, `"${server.slice(0, 100)}" is not a URL`);
  }
  if (url.protocol !== 'https:') throw refuse(field, 'must be an https:// URL');
  if (url.username || url.password) throw refuse(field, 'must not carry credentials');
  return server.replace(/\/+$/, '');
}

/**
 * Turns an untrusted kubeconfig into ClusterAccess. Only inline credentials are accepted: exec,
 * auth-provider, token files, file paths, basic auth, impersonation and proxies are refused (422, naming
 * the field). Only the selected context's cluster and user are used: the `context` asked for, else the
 * kubeconfig's `current-context`, else its only context; several contexts and none current need `context`.
 * `execHint` (a vendor kubeconfig) says which vendor setting produces `exec` users, in the refusal.
 */
export function parseKubeconfig(
  text: string,
  opts: { context?: string; maxBytes: number; execHint?: string },
): ClusterAccess {
  if (Buffer.byteLength(text, 'utf8') > opts.maxBytes)
    throw refuse('kubeconfig', `is larger than ${opts.maxBytes} bytes`);
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: 50, prettyErrors: false });
  } catch (e) {
    throw refuse('kubeconfig', `is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!isObj(doc)) throw refuse('kubeconfig', 'is not a kubeconfig document');
  const contexts = Array.isArray(doc.contexts) ? doc.contexts.filter(isObj) : [];
  if (!contexts.length) throw refuse('contexts', 'is missing or empty');
  let name = opts.context;
  const current = typeof doc['current-context'] === 'string' ? doc['current-context'] : '';
  if (!name && current && contexts.some((c) => c.name === current)) name = current;
  if (!name) {
    if (contexts.length > 1) {
      const names = contexts.map((c) => String(c.name)).join(', ');
      throw refuse(
        'context',
        `must be given: the kubeconfig has ${contexts.length} contexts (${names}) and no current-context among them`,
      );
    }
    name = String(contexts[0].name);
  }
  const ctx = named(doc.contexts, 'context', name, 'context');
  const clusterName = String(ctx.cluster ?? '');
  const userName = String(ctx.user ?? '');
  const cluster = named(doc.clusters, 'cluster', clusterName, 'cluster');
  const user = named(doc.users, 'user', userName, 'user');

  for (const [field, why] of Object.entries(REFUSED_CLUSTER_FIELDS)) {
    if (cluster[field] !== undefined) throw refuse(`clusters[${clusterName}].cluster.${field}`, why);
  }
  for (const [field, why] of Object.entries(REFUSED_USER_FIELDS)) {
    if (user[field] !== undefined)
      throw refuse(
        `users[${userName}].user.${field}`,
        field === 'exec' && opts.execHint ? `${why} (${opts.execHint})` : why,
      );
  }

  const access: ClusterAccess = {
    server: checkServer(cluster.server, `clusters[${clusterName}].cluster.server`),
    auth: { type: 'token', token: '' },
  };
  const ca = cluster['certificate-authority-data'];
  if (ca !== undefined) {
    if (typeof ca !== 'string' || !isBase64(ca))
      throw refuse(`clusters[${clusterName}].cluster.certificate-authority-data`, 'is not base64');
    access.ca_data = ca.replace(/\s+/g, '');
  }
  if (cluster['insecure-skip-tls-verify'] === true) access.insecure_skip_tls_verify = true;
  if (typeof cluster['tls-server-name'] === 'string') access.tls_server_name = cluster['tls-server-name'];

  const token = user.token;
  const cert = user['client-certificate-data'];
  const key = user['client-key-data'];
  if (typeof token === 'string' && token.trim()) {
    // Node refuses such a header value by throwing; refuse it here, naming the field.
    const why = tokenProblem(token.trim());
    if (why) throw refuse(`users[${userName}].user.token`, why);
    access.auth = { type: 'token', token: token.trim() };
  } else if (typeof cert === 'string' && typeof key === 'string') {
    if (!isBase64(cert)) throw refuse(`users[${userName}].user.client-certificate-data`, 'is not base64');
    if (!isBase64(key)) throw refuse(`users[${userName}].user.client-key-data`, 'is not base64');
    // Node's TLS stack throws on material that is not PEM; check it now, naming the field.
    const problem = clientCertificateProblem(cert, key);
    if (problem)
      throw refuse(
        `users[${userName}].user.${problem.part === 'cert' ? 'client-certificate-data' : 'client-key-data'}`,
        problem.why,
      );
    access.auth = {
      type: 'client-certificate',
      cert_data: cert.replace(/\s+/g, ''),
      key_data: key.replace(/\s+/g, ''),
    };
  } else {
    throw refuse(
      `users[${userName}].user`,
      'has no inline credential (token, or client-certificate-data with client-key-data)',
    );
  }
  return access;
}
