import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { type AppConfig, configSchema, DEV_ENCRYPTION_KEYS, DEV_JWT_SECRET } from './app-config.js';
import { parseKeyRing } from '../common/crypto/key-ring.js';

/** Environment variable → config path. Env always wins over config/*.yaml. */
const ENV_MAP: Record<string, string> = {
  PORT: 'port',
  HOST: 'host',
  LOG_LEVEL: 'log_level',
  BERTH_PUBLIC_URL: 'public_url',
  DATABASE_URL: 'database.url',
  BERTH_RUN_MIGRATIONS: 'database.run_migrations',
  BERTH_DB_STATEMENT_TIMEOUT_MS: 'database.statement_timeout_ms',
  BERTH_DB_QUERY_TIMEOUT_MS: 'database.query_timeout_ms',
  BERTH_DB_CONNECT_TIMEOUT_MS: 'database.connect_timeout_ms',
  REDIS_URL: 'redis.url',
  BERTH_REDIS_PREFIX: 'redis.key_prefix',
  BERTH_REDIS_COMMAND_TIMEOUT_MS: 'redis.command_timeout_ms',
  BERTH_REDIS_CONNECT_TIMEOUT_MS: 'redis.connect_timeout_ms',
  BERTH_JWT_SECRET: 'auth.jwt_secret',
  BERTH_JWT_TTL_SECONDS: 'auth.jwt_ttl_seconds',
  BERTH_ADMIN_PASSWORD: 'auth.admin_password',
  BERTH_LOGIN_MAX_ATTEMPTS: 'auth.login_max_attempts',
  BERTH_LOGIN_WINDOW_SECONDS: 'auth.login_window_seconds',
  BERTH_LOGIN_MAX_ATTEMPTS_PER_ACCOUNT: 'auth.login_max_attempts_per_account',
  BERTH_AUTH_STATE_CACHE_MS: 'auth.state_cache_ms',
  BERTH_TOKEN_MAX_TTL_DAYS: 'auth.token_max_ttl_days',
  BERTH_REFRESH_TTL_SECONDS: 'auth.refresh_ttl_seconds',
  BERTH_ENCRYPTION_KEYS: 'encryption.keys',
  BERTH_KUBE_TIMEOUT_MS: 'kube.timeout_ms',
  BERTH_FANOUT_CONCURRENCY: 'kube.fanout_concurrency',
  BERTH_PROBE_INTERVAL_SECONDS: 'kube.probe_interval_seconds',
  BERTH_STALE_AFTER_SECONDS: 'kube.stale_after_seconds',
  BERTH_VENDOR_TIMEOUT_MS: 'vendors.timeout_ms',
  BERTH_VENDOR_ATTEMPTS: 'vendors.attempts',
  BERTH_VENDOR_BACKOFF_MS: 'vendors.backoff_ms',
  BERTH_HARBOR_TIMEOUT_MS: 'vendors.harbor_timeout_ms',
  BERTH_HARBOR_ATTEMPTS: 'vendors.harbor_attempts',
  BERTH_VENDOR_READ_TIMEOUT_MS: 'vendors.read_timeout_ms',
  BERTH_CREDENTIAL_REFRESH_INTERVAL_SECONDS: 'vendors.credential_refresh_interval_seconds',
  BERTH_CREDENTIAL_REFRESH_BEFORE_SECONDS: 'vendors.credential_refresh_before_seconds',
  BERTH_OUTBOUND_ALLOW_LOOPBACK: 'outbound.allow_loopback',
  BERTH_OUTBOUND_ALLOW: 'outbound.allow',
  BERTH_OUTBOUND_DENY: 'outbound.deny',
  BERTH_CORS_ORIGINS: 'cors.origins',
  BERTH_OIDC_ISSUER: 'sso.oidc.issuer',
  BERTH_OIDC_CLIENT_ID: 'sso.oidc.client_id',
  BERTH_OIDC_CLIENT_SECRET: 'sso.oidc.client_secret',
  BERTH_OIDC_REDIRECT_URI: 'sso.oidc.redirect_uri',
  BERTH_OIDC_SCOPES: 'sso.oidc.scopes',
  BERTH_OIDC_GROUPS_CLAIM: 'sso.oidc.groups_claim',
  BERTH_OIDC_USERNAME_CLAIM: 'sso.oidc.username_claim',
  BERTH_OIDC_AUDIENCES: 'sso.oidc.audiences',
  BERTH_OIDC_UI_REDIRECT_URL: 'sso.oidc.ui_redirect_url',
  BERTH_OIDC_CLOCK_TOLERANCE_SECONDS: 'sso.oidc.clock_tolerance_seconds',
  BERTH_OIDC_STATE_TTL_SECONDS: 'sso.oidc.state_ttl_seconds',
  BERTH_LDAP_URL: 'sso.ldap.url',
  BERTH_LDAP_BIND_DN: 'sso.ldap.bind_dn',
  BERTH_LDAP_BIND_PASSWORD: 'sso.ldap.bind_password',
  BERTH_LDAP_START_TLS: 'sso.ldap.start_tls',
  BERTH_LDAP_USER_BASE: 'sso.ldap.user_base',
  BERTH_LDAP_USER_FILTER: 'sso.ldap.user_filter',
  BERTH_LDAP_USERNAME_ATTRIBUTE: 'sso.ldap.username_attribute',
  BERTH_LDAP_GROUP_ATTRIBUTE: 'sso.ldap.group_attribute',
  BERTH_LDAP_GROUP_BASE: 'sso.ldap.group_base',
  BERTH_LDAP_GROUP_FILTER: 'sso.ldap.group_filter',
  BERTH_WATCH_MAX_STREAMS: 'watch.max_streams',
  BERTH_WATCH_MAX_STREAMS_PER_CALLER: 'watch.max_streams_per_caller',
  BERTH_WATCH_MAX_BUFFER_BYTES: 'watch.max_buffer_bytes',
  BERTH_WATCH_HEARTBEAT_SECONDS: 'watch.heartbeat_seconds',
  BERTH_WATCH_RECHECK_SECONDS: 'watch.recheck_seconds',
  BERTH_WATCH_BACKOFF_MS: 'watch.backoff_ms',
  BERTH_WATCH_MAX_BACKOFF_MS: 'watch.max_backoff_ms',
  BERTH_WATCH_OPERATION_POLL_MS: 'watch.operation_poll_ms',
  BERTH_EXEC_IDLE_TIMEOUT_SECONDS: 'live.exec_idle_timeout_seconds',
  BERTH_EXEC_MAX_SESSION_SECONDS: 'live.exec_max_session_seconds',
  BERTH_KUBECONFIG_CA_FILE: 'live.kubeconfig_ca_file',
  BERTH_KUBECONFIG_TTL_DAYS: 'live.kubeconfig_ttl_days',
  BERTH_WORKERS: 'workers.enabled',
  BERTH_WORKER_CONCURRENCY: 'workers.concurrency',
  BERTH_OPERATION_RECOVERY_INTERVAL_MS: 'workers.recovery_interval_ms',
};

export class ConfigError extends Error {}

type Tree = Record<string, unknown>;

function setPath(tree: Tree, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = tree;
  for (const p of parts.slice(0, -1)) {
    if (typeof node[p] !== 'object' || node[p] === null) node[p] = {};
    node = node[p] as Tree;
  }
  node[parts[parts.length - 1]] = value;
}

function merge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && typeof out[k] === 'object'
        ? merge(out[k] as Tree, v as Tree)
        : v;
  }
  return out;
}

function readYaml(file: string): Tree {
  if (!existsSync(file)) return {};
  try {
    return (parse(readFileSync(file, 'utf8')) ?? {}) as Tree;
  } catch (e) {
    throw new ConfigError(`config file ${file} is not valid YAML: ${(e as Error).message}`);
  }
}

/**
 * Loads config/default.yaml, then config/<env>.yaml, then environment variables, and validates the result.
 * Throws ConfigError naming every missing or malformed value.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  dir = join(process.cwd(), 'config'),
): AppConfig {
  const nodeEnv = env.NODE_ENV === 'production' || env.NODE_ENV === 'test' ? env.NODE_ENV : 'development';
  let tree = merge(readYaml(join(dir, 'default.yaml')), readYaml(join(dir, `${nodeEnv}.yaml`)));
  tree.env = nodeEnv;
  for (const [name, path] of Object.entries(ENV_MAP)) {
    const v = env[name];
    if (v !== undefined && v !== '') setPath(tree, path, v);
  }
  // Loopback is reachable outside production (the testbed and simulators listen on 127.0.0.1), not in it.
  const outbound = (tree.outbound ?? {}) as Tree;
  tree.outbound = {
    allow: [],
    deny: [],
    ...outbound,
    allow_loopback: outbound.allow_loopback ?? nodeEnv !== 'production',
  };
  if (nodeEnv !== 'production') {
    // Development and test get fixed, publicly known secrets so that `npm start` works out of the box.
    tree = merge({ auth: { jwt_secret: DEV_JWT_SECRET }, encryption: { keys: DEV_ENCRYPTION_KEYS } }, tree);
  }
  const parsed = configSchema.safeParse(tree);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${envName(i.path.join('.'))}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  const config = parsed.data;
  try {
    parseKeyRing(config.encryption.keys);
  } catch (e) {
    throw new ConfigError(`invalid configuration:\n  - BERTH_ENCRYPTION_KEYS: ${(e as Error).message}`);
  }
  if (config.env === 'production') {
    const weak: string[] = [];
    if (config.auth.jwt_secret === DEV_JWT_SECRET) weak.push('BERTH_JWT_SECRET is the development default');
    if (config.encryption.keys.includes(DEV_ENCRYPTION_KEYS.split(':')[1]))
      weak.push('BERTH_ENCRYPTION_KEYS contains the development key');
    // Tokens, codes and passwords never cross the network in clear text in production.
    if (config.sso.oidc.issuer?.startsWith('http:')) weak.push('BERTH_OIDC_ISSUER must be an https URL');
    if (config.sso.ldap.url?.startsWith('ldap:') && !config.sso.ldap.start_tls)
      weak.push('BERTH_LDAP_URL must be ldaps:// (or set BERTH_LDAP_START_TLS=true)');
    if (weak.length) throw new ConfigError(`refusing to start in production:\n  - ${weak.join('\n  - ')}`);
  }
  return config;
}

function envName(path: string): string {
  const name = Object.entries(ENV_MAP).find(([, p]) => p === path)?.[0];
  return name ? `${name} (${path})` : path;
}
