import { ErrorCode } from './error-codes.js';

/**
 * Recognises the errors that mean "Postgres (or Redis) cannot serve right now" — refused, dropped or
 * timed-out connections, a server shutting down, a cancelled statement — so that they answer
 * 503 DEPENDENCY_UNAVAILABLE instead of a generic 500. Pure: it only looks at the error (and its
 * `driverError` / `cause` chain) and at the dependencies' addresses, which tell a bare socket error of
 * one dependency from another's (or from a vendor's, which stays what it was).
 */
export type Dependency = 'postgres' | 'redis';

export interface DependencyEndpoints {
  postgres?: { host: string; port: number };
  redis?: { host: string; port: number };
}

/** Postgres SQLSTATEs that say the server cannot serve, not that the request was wrong. */
const PG_UNAVAILABLE_CODES = new Set([
  '57014', // query_canceled (statement_timeout)
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down, recovering)
  '57P05', // idle_session_timeout
  '53300', // too_many_connections
  '25P03', // idle_in_transaction_session_timeout
]);

/** Messages node-postgres, pg-pool and TypeORM use for a connection that is gone or never came. */
const PG_MESSAGES = [
  /^Connection terminated/, // "Connection terminated", "… unexpectedly", "… due to connection timeout"
  /^timeout exceeded when trying to connect$/,
  /^Query read timeout$/,
  /^Client has encountered a connection error and is not queryable$/,
  /^Client was closed and is not queryable$/,
  /^Cannot use a pool after calling end on the pool$/,
  /^Driver not Connected$/,
];

/** Messages ioredis (and the redis-errors it uses) give when a command cannot reach Redis. */
const REDIS_MESSAGES = [
  /^Connection is closed\.?$/,
  /^Command timed out$/,
  /^Stream isn't writeable and enableOfflineQueue options is false$/,
  /^Reached the max retries per request limit/,
  /^LOADING /,
  /^BUSY /,
  /^MASTERDOWN /,
  /^TRYAGAIN /,
];

/** Socket-level codes: the dependency is the one whose address the error names. */
const NET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

interface ErrLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  port?: unknown;
  address?: unknown;
  hostname?: unknown;
  driverError?: unknown;
  cause?: unknown;
  errors?: unknown;
}

function chain(err: unknown): ErrLike[] {
  const out: ErrLike[] = [];
  const todo: unknown[] = [err];
  while (todo.length && out.length < 8) {
    const e = todo.shift();
    if (!e || typeof e !== 'object' || out.includes(e as ErrLike)) continue;
    const x = e as ErrLike;
    out.push(x);
    todo.push(x.driverError, x.cause);
    // AggregateError (e.g. a dual-stack connect that failed on every address).
    if (Array.isArray(x.errors)) todo.push(...x.errors);
  }
  return out;
}

function byAddress(e: ErrLike, endpoints: DependencyEndpoints): Dependency | null {
  const port = typeof e.port === 'number' ? e.port : undefined;
  const message = typeof e.message === 'string' ? e.message : '';
  for (const dep of ['postgres', 'redis'] as const) {
    const ep = endpoints[dep];
    if (!ep) continue;
    if (port === ep.port) return dep;
    if (port === undefined && message.includes(`:${ep.port}`)) return dep;
    if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') {
      if (e.hostname === ep.host || message.includes(` ${ep.host}`)) return dep;
    }
  }
  return null;
}

export function classifyDependencyError(
  err: unknown,
  endpoints: DependencyEndpoints = {},
): Dependency | null {
  for (const e of chain(err)) {
    const name = typeof e.name === 'string' ? e.name : '';
    const message = typeof e.message === 'string' ? e.message : '';
    const code = typeof e.code === 'string' ? e.code : '';
    if (name === 'MaxRetriesPerRequestError' || REDIS_MESSAGES.some((r) => r.test(message))) return 'redis';
    if (PG_UNAVAILABLE_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return 'postgres';
    if (name === 'ConnectionIsNotSetError' || PG_MESSAGES.some((r) => r.test(message))) return 'postgres';
    if (NET_CODES.has(code)) {
      const dep = byAddress(e, endpoints);
      if (dep) return dep;
    }
  }
  return null;
}

/** host and port of a postgres:// or redis:// URL (default ports when absent). */
export function endpointOf(url: string, defaultPort: number): { host: string; port: number } | undefined {
  try {
    const u = new URL(url);
    return { host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port ? Number(u.port) : defaultPort };
  } catch {
    return undefined;
  }
}

export const DEPENDENCY_MESSAGES: Record<Dependency, string> = {
  postgres: 'Postgres is unavailable',
  redis: 'Redis is unavailable',
};

export function dependencyEndpoints(config: {
  database: { url: string };
  redis: { url: string };
}): DependencyEndpoints {
  return { postgres: endpointOf(config.database.url, 5432), redis: endpointOf(config.redis.url, 6379) };
}

/**
 * The 503 DEPENDENCY_UNAVAILABLE answer for a dependency failure (null for any other error). The log line
 * names the dependency and the driver's message — never the SQL or its parameters.
 */
export function dependencyFailure(
  err: unknown,
  endpoints: DependencyEndpoints,
  logger: { warn(message: unknown, ...rest: unknown[]): void },
  requestId: string,
): { status: 503; body: { code: ErrorCode; message: string; data: { dependency: Dependency } } } | null {
  const dependency = classifyDependencyError(err, endpoints);
  if (!dependency) return null;
  const e = err as {
    name?: string;
    message?: string;
    code?: string;
    driverError?: { message?: string; code?: string };
  };
  logger.warn(
    {
      dependency,
      err: {
        type: e?.name,
        code: e?.driverError?.code ?? e?.code,
        message: e?.driverError?.message ?? e?.message,
      },
      request_id: requestId,
    },
    `${dependency} unavailable`,
  );
  return {
    status: 503,
    body: {
      code: ErrorCode.DEPENDENCY_UNAVAILABLE,
      message: DEPENDENCY_MESSAGES[dependency],
      data: { dependency },
    },
  };
}
