import { describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { createServer } from 'node:net';
import pg from 'pg';
import { QueryFailedError } from 'typeorm';
import { classifyDependencyError, dependencyEndpoints, dependencyFailure } from './dependency-errors.js';

const endpoints = dependencyEndpoints({
  database: { url: 'postgres://postgres@127.0.0.1:5544/berth' },
  redis: { url: 'redis://127.0.0.1:6399' },
});

const pgError = (code: string, message: string) =>
  Object.assign(new Error(message), { code, severity: 'FATAL' });
const failed = (driverError: Error) =>
  new QueryFailedError('SELECT "password_hash" FROM "users" WHERE "id" = $1', ['secret-value'], driverError);

/** A TCP port nothing listens on. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

describe('classifyDependencyError', () => {
  it.each([
    ['57014', 'canceling statement due to statement timeout'],
    ['57P01', 'terminating connection due to administrator command'],
    ['57P03', 'the database system is shutting down'],
    ['08006', 'connection failure'],
    ['08P01', 'protocol violation'],
    ['53300', 'sorry, too many clients already'],
  ])('Postgres SQLSTATE %s (raw and inside a QueryFailedError) is postgres', (code, message) => {
    expect(classifyDependencyError(pgError(code, message))).toBe('postgres');
    expect(classifyDependencyError(failed(pgError(code, message)))).toBe('postgres');
  });

  it.each([
    'Connection terminated unexpectedly',
    'Connection terminated',
    'Connection terminated due to connection timeout',
    'timeout exceeded when trying to connect',
    'Query read timeout',
    'Client has encountered a connection error and is not queryable',
  ])('node-postgres "%s" is postgres', (message) => {
    expect(classifyDependencyError(new Error(message))).toBe('postgres');
    expect(classifyDependencyError(failed(new Error(message)))).toBe('postgres');
  });

  it.each([
    'Connection is closed.',
    'Command timed out',
    "Stream isn't writeable and enableOfflineQueue options is false",
    'Reached the max retries per request limit (which is 1). Refer to "maxRetriesPerRequest" option for details.',
    'LOADING Redis is loading the dataset in memory',
  ])('ioredis "%s" is redis', (message) => {
    expect(classifyDependencyError(new Error(message))).toBe('redis');
  });

  it('a socket error is the dependency whose address it names, and nothing for another address', () => {
    const refused = (port: number) =>
      Object.assign(new Error(`connect ECONNREFUSED 127.0.0.1:${port}`), {
        code: 'ECONNREFUSED',
        address: '127.0.0.1',
        port,
        syscall: 'connect',
      });
    expect(classifyDependencyError(refused(5544), endpoints)).toBe('postgres');
    expect(classifyDependencyError(refused(6399), endpoints)).toBe('redis');
    // A vendor or cluster that refuses is not Berth's dependency: it keeps its own meaning.
    expect(classifyDependencyError(refused(443), endpoints)).toBeNull();
    expect(classifyDependencyError(new AggregateError([refused(5544)], 'connect failed'), endpoints)).toBe(
      'postgres',
    );
  });

  it('errors of the request itself are not dependency failures', () => {
    expect(
      classifyDependencyError(
        failed(pgError('23505', 'duplicate key value violates unique constraint "users_username_key"')),
      ),
    ).toBeNull();
    expect(
      classifyDependencyError(failed(pgError('22P02', 'invalid input syntax for type uuid: "x"'))),
    ).toBeNull();
    expect(
      classifyDependencyError(
        new Error('ReplyError: WRONGTYPE Operation against a key holding the wrong kind of value'),
      ),
    ).toBeNull();
    expect(classifyDependencyError(new TypeError('x is not a function'))).toBeNull();
    expect(classifyDependencyError(undefined)).toBeNull();
    expect(classifyDependencyError('Connection terminated')).toBeNull();
  });

  it('recognises what a real pg client and a real ioredis client throw at a closed port', async () => {
    const port = await closedPort();
    const eps = dependencyEndpoints({
      database: { url: `postgres://postgres@127.0.0.1:${port}/x` },
      redis: { url: 'redis://127.0.0.1:1' },
    });
    const client = new pg.Client({
      connectionString: `postgres://postgres@127.0.0.1:${port}/x`,
      connectionTimeoutMillis: 1000,
    });
    const pgErr = await client.connect().then(
      () => null,
      (e: unknown) => e,
    );
    expect(classifyDependencyError(pgErr, eps)).toBe('postgres');

    const redis = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: () => null,
    });
    redis.on('error', () => undefined);
    const redisErr = await redis.get('k').then(
      () => null,
      (e: unknown) => e,
    );
    redis.disconnect();
    expect(classifyDependencyError(redisErr, eps)).toBe('redis');
  });
});

describe('dependencyFailure', () => {
  it('answers 503 DEPENDENCY_UNAVAILABLE naming the dependency, and logs no SQL nor parameters', () => {
    const lines: unknown[] = [];
    const logger = { warn: (...args: unknown[]) => lines.push(args) };
    const r = dependencyFailure(
      failed(pgError('57014', 'canceling statement due to statement timeout')),
      endpoints,
      logger,
      'rid-1',
    );
    expect(r).toEqual({
      status: 503,
      body: { code: 50300, message: 'Postgres is unavailable', data: { dependency: 'postgres' } },
    });
    const logged = JSON.stringify(lines);
    expect(logged).toContain('57014');
    expect(logged).not.toContain('password_hash');
    expect(logged).not.toContain('secret-value');
    expect(dependencyFailure(new Error('Command timed out'), endpoints, logger, 'r')?.body.message).toBe(
      'Redis is unavailable',
    );
    expect(dependencyFailure(new Error('boom'), endpoints, logger, 'r')).toBeNull();
  });
});
