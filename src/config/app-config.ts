import { z } from 'zod';
import { invalidEntries } from '../common/outbound/outbound-policy.js';

/** Secrets that only exist so a developer can run Berth without setting anything. Refused in production. */
export const DEV_JWT_SECRET = 'berth-development-jwt-secret-change-me';
export const DEV_ENCRYPTION_KEYS = 'dev:ZGV2LWtleS1mb3ItYmVydGgtbG9jYWwtb25seS0wMDA=';
export const DEV_ADMIN_PASSWORD = 'berth-admin';

const url = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    `must be a ${protocols.join(' or ')} URL`,
  );

const bool = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0'])])
  .transform((v) => v === true || v === 'true' || v === '1');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
/** A list given as YAML array or as a comma-separated string (env). */
const list = z
  .union([z.array(z.string()), z.string()])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((e) => e.trim()).filter(Boolean))
  .superRefine((v, ctx) => {
    const bad = invalidEntries(v);
    if (bad.length)
      ctx.addIssue({ code: 'custom', message: `not a CIDR, IP address or host name: ${bad.join(', ')}` });
  });

/**
 * Browser origins given as YAML array or comma-separated string (env): each an exact origin as a browser
 * sends it (`https://admin.example.com`, `http://127.0.0.1:8080`): scheme, host and a non-default port only.
 */
const origins = z
  .union([z.array(z.string()), z.string()])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((e) => e.trim()).filter(Boolean))
  .superRefine((v, ctx) => {
    const bad = v.filter((o) => {
      try {
        const u = new URL(o);
        return !['http:', 'https:'].includes(u.protocol) || u.origin !== o;
      } catch {
        return true;
      }
    });
    if (bad.length)
      ctx.addIssue({
        code: 'custom',
        message: `not an exact origin (scheme://host[:port], no path, no wildcard): ${bad.join(', ')}`,
      });
  });

/** A list of plain strings given as YAML array or as a comma- or space-separated string (env). */
const words = z
  .union([z.array(z.string()), z.string()])
  .transform((v) => (Array.isArray(v) ? v : v.split(/[\s,]+/)).map((e) => e.trim()).filter(Boolean));

/** OpenID Connect connector (README "Single sign-on"); off while `issuer` is unset. */
const oidcSchema = z
  .object({
    /** The issuer identifier; its discovery document is `<issuer>/.well-known/openid-configuration`. */
    issuer: url(['https:', 'http:']).optional(),
    client_id: z.string().min(1).optional(),
    /** Confidential clients; a public client (PKCE only) leaves it out. */
    client_secret: z.string().min(1).optional(),
    /** Berth's callback as registered at the issuer: `<Berth URL>/api/v1/auth/oidc/callback`. */
    redirect_uri: url(['https:', 'http:']).optional(),
    scopes: words.default(['openid', 'profile', 'email', 'groups']),
    /** The claim holding the user's group names (a string array, or one string). */
    groups_claim: z.string().min(1).default('groups'),
    /** The claim that becomes the Berth username (falls back to `email`, then `sub`). */
    username_claim: z.string().min(1).default('preferred_username'),
    /** `aud` values accepted on tokens handed to the token exchange; default: the client id. */
    audiences: words.default([]),
    /** After the browser flow, redirect here with the session in the fragment instead of answering JSON. */
    ui_redirect_url: url(['https:', 'http:']).optional(),
    /** How long a started login (state, nonce, PKCE verifier in Redis) may take. */
    state_ttl_seconds: int(30, 3600).default(600),
    /** Allowed clock skew when checking `exp`, `iat` and `nbf`. */
    clock_tolerance_seconds: int(0, 300).default(30),
    timeout_ms: int(100, 60_000).default(5000),
  })
  .superRefine((o, ctx) => {
    if (!o.issuer) return;
    for (const k of ['client_id', 'redirect_uri'] as const)
      if (!o[k]) ctx.addIssue({ code: 'custom', path: [k], message: 'required when the OIDC issuer is set' });
  });

/** LDAP connector (README "Single sign-on"); off while `url` is unset. */
const ldapSchema = z
  .object({
    url: url(['ldap:', 'ldaps:']).optional(),
    /** The service account Berth binds as to search users and groups. */
    bind_dn: z.string().min(1).optional(),
    bind_password: z.string().min(1).optional(),
    start_tls: bool.default(false),
    user_base: z.string().min(1).optional(),
    /** `{username}` is replaced by the login name, escaped per RFC 4515. */
    user_filter: z
      .string()
      .refine((v) => v.includes('{username}'), 'must contain {username}')
      .default('(&(objectClass=inetOrgPerson)(uid={username}))'),
    username_attribute: z.string().min(1).default('uid'),
    /** The user attribute listing group DNs (memberOf); used when no group_base is set. */
    group_attribute: z.string().min(1).default('memberOf'),
    /** Search groups here instead of reading group_attribute. */
    group_base: z.string().min(1).optional(),
    /** `{dn}` is the user's DN, `{username}` the login name, both escaped per RFC 4515. */
    group_filter: z.string().min(1).default('(&(objectClass=groupOfNames)(member={dn}))'),
    timeout_ms: int(100, 60_000).default(5000),
  })
  .superRefine((o, ctx) => {
    if (!o.url) return;
    for (const k of ['bind_dn', 'bind_password', 'user_base'] as const)
      if (!o[k]) ctx.addIssue({ code: 'custom', path: [k], message: 'required when the LDAP URL is set' });
  });

export const configSchema = z.object({
  env: z.enum(['development', 'test', 'production']),
  port: int(0, 65535),
  host: z.string().min(1),
  log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  /** Base URL clients reach Berth at, the OpenAPI document's `servers` entry ("/" = the serving host). */
  public_url: z
    .string()
    .refine((v) => v.startsWith('/') || /^https?:\/\/[^/]/.test(v), 'must be a path or an http(s) URL')
    .default('/'),
  database: z.object({
    url: url(['postgres:', 'postgresql:']),
    run_migrations: bool,
    /** Server-side bound on one statement (Postgres `statement_timeout`; 57014 when hit). */
    statement_timeout_ms: int(100, 3_600_000).default(2000),
    /** Client-side bound on one query, for a server that does not answer at all (frozen, partitioned). */
    query_timeout_ms: int(100, 3_600_000).default(2500),
    /** Bound on getting a pooled connection (waiting for a free one, or opening a new one). */
    connect_timeout_ms: int(100, 600_000).default(2000),
  }),
  redis: z.object({
    url: url(['redis:', 'rediss:']),
    key_prefix: z.string().min(1).max(64),
    /** Bound on one Redis command, connected or not (ioredis `commandTimeout`). */
    command_timeout_ms: int(50, 600_000).default(1000),
    /** Bound on opening the Redis connection. */
    connect_timeout_ms: int(100, 600_000).default(2000),
  }),
  auth: z.object({
    jwt_secret: z.string().min(32, 'must be at least 32 characters'),
    jwt_ttl_seconds: int(60, 30 * 24 * 3600),
    admin_password: z.string().min(8, 'must be at least 8 characters').optional(),
    login_max_attempts: int(1, 1000),
    login_window_seconds: int(1, 86400),
    /** Failed logins per username across every address within the window (stops distributed guessing). */
    login_max_attempts_per_account: int(1, 100_000).default(50),
    /** How long a guard verdict (user's role, disabled flag, tokens_valid_after, jti revoked) is cached per instance. */
    state_cache_ms: int(0, 60_000).default(1000),
    /** Longest lifetime an API token may be given (`expires_at` at most this many days ahead). */
    token_max_ttl_days: int(1, 3650).default(90),
    /** Lifetime of a refresh token (each use returns a new one with a fresh lifetime). */
    refresh_ttl_seconds: int(60, 365 * 24 * 3600).default(14 * 24 * 3600),
  }),
  encryption: z.object({
    /** Key ring "id:base64key,id2:base64key2"; the first key encrypts, all keys decrypt. */
    keys: z.string().min(1),
  }),
  kube: z.object({
    /** Bound on every call to a cluster's API server. */
    timeout_ms: int(100, 120_000),
    /** Clusters queried at once by fleet fan-out and health sweeps. */
    fanout_concurrency: int(1, 256),
    probe_interval_seconds: int(5, 86_400),
    /** A cluster not probed for this long reads as "stale", whatever its last status. */
    stale_after_seconds: int(10, 864_000),
    max_kubeconfig_bytes: int(1024, 4 * 1024 * 1024),
  }),
  /** Calls to vendor APIs (README "Configuration"): deadlines, retries, credential refresh. */
  vendors: z
    .object({
      /** Deadline of one attempt of a call to ACK, TKE or Rancher, and attempts per call (retryable failures). */
      timeout_ms: int(100, 300_000).default(10_000),
      attempts: int(1, 10).default(4),
      backoff_ms: int(0, 60_000).default(250),
      /** Deadline and attempts of one Harbor call. */
      harbor_timeout_ms: int(100, 300_000).default(5000),
      harbor_attempts: int(1, 10).default(3),
      /** How long a user's read (node-pool list) waits for the vendor before answering from the stored records. */
      read_timeout_ms: int(100, 300_000).default(3000),
      /** How often vendor kubeconfigs are checked, and how long before their expiry they are fetched anew. */
      credential_refresh_interval_seconds: int(5, 86_400).default(3600),
      credential_refresh_before_seconds: int(0, 31_536_000).default(259_200),
    })
    .default({
      timeout_ms: 10_000,
      attempts: 4,
      backoff_ms: 250,
      harbor_timeout_ms: 5000,
      harbor_attempts: 3,
      read_timeout_ms: 3000,
      credential_refresh_interval_seconds: 3600,
      credential_refresh_before_seconds: 259_200,
    }),
  /** Addresses Berth may connect to for cluster API servers and vendor endpoints (README "Untrusted endpoints"). */
  outbound: z.object({
    /** Defaults to true outside production, false in production (see load-config). */
    allow_loopback: bool,
    allow: list,
    deny: list,
  }),
  /** Single sign-on connectors (README "Single sign-on"). */
  sso: z.object({ oidc: oidcSchema.prefault({}), ldap: ldapSchema.prefault({}) }).prefault({}),
  /** Browser origins allowed to call the API with CORS (README "Browser clients (CORS)"); none = no CORS. */
  cors: z.object({ origins: origins.default([]) }).default({ origins: [] }),
  /** Watch streams (SSE, README "Watch"): limits, heartbeats, re-checks, per-cluster reconnect backoff. */
  watch: z
    .object({
      /** Open streams on this instance, and per caller (user id); past them 429 with Retry-After. */
      max_streams: int(1, 100_000).default(1000),
      max_streams_per_caller: int(1, 10_000).default(20),
      /** Bytes a stream may hold for a slow reader before it is dropped (final `error` event, reason overflow). */
      max_buffer_bytes: int(4096, 256 * 1024 * 1024).default(1024 * 1024),
      /** SSE comment sent this often so proxies keep idle streams open. */
      heartbeat_seconds: int(1, 3600).default(15),
      /** How often the caller's token and grants are checked again while a stream is open. */
      recheck_seconds: int(1, 3600).default(5),
      /** Reconnect backoff of one cluster's upstream watch: first delay, and the cap. */
      backoff_ms: int(10, 600_000).default(1000),
      max_backoff_ms: int(10, 3_600_000).default(30_000),
      /** How often an operation's record is read while its events are streamed. */
      operation_poll_ms: int(50, 60_000).default(500),
    })
    .default({
      max_streams: 1000,
      max_streams_per_caller: 20,
      max_buffer_bytes: 1024 * 1024,
      heartbeat_seconds: 15,
      recheck_seconds: 5,
      backoff_ms: 1000,
      max_backoff_ms: 30_000,
      operation_poll_ms: 500,
    }),
  /** Interactive sessions (exec, attach, port-forward; README "Exec, attach, port-forward"). 0 = no limit. */
  live: z
    .object({
      /** A session with no data frame either way for this long is closed (WebSocket 4408; pings do not count). */
      exec_idle_timeout_seconds: int(0, 7 * 86_400).default(0),
      /** A session is closed after this long, busy or not (WebSocket 4409). */
      exec_max_session_seconds: int(0, 30 * 86_400).default(0),
      /**
       * PEM file of the CA that signed the certificate Berth's public URL serves (its ingress / load balancer),
       * written into downloaded kubeconfigs as certificate-authority-data. Unset: the system trust store.
       */
      kubeconfig_ca_file: z.string().min(1).optional(),
      /** Lifetime of the API token a downloaded kubeconfig carries (at most BERTH_TOKEN_MAX_TTL_DAYS). */
      kubeconfig_ttl_days: int(1, 3650).default(30),
    })
    .default({ exec_idle_timeout_seconds: 0, exec_max_session_seconds: 0, kubeconfig_ttl_days: 30 }),
  workers: z.object({
    enabled: bool,
    concurrency: int(1, 64),
    /** How often unfinished operations whose job is gone are re-queued (and how long they must be untouched first). */
    recovery_interval_ms: int(100, 3_600_000).default(60_000),
  }),
});

export type AppConfig = z.infer<typeof configSchema>;
export const APP_CONFIG = Symbol('APP_CONFIG');
