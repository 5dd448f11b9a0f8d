import { Logger } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { ErrorCode } from '../common/error-codes.js';

const logger = new Logger('AuthDependencies');

/** Longest the guard or the login throttle waits for Redis or Postgres before answering 503. */
export const AUTH_DEPENDENCY_TIMEOUT_MS = 2500;

/**
 * Runs one call to Redis or Postgres on the authentication path. Any failure or a call slower than
 * `timeoutMs` becomes 503 DEPENDENCY_UNAVAILABLE: authentication fails closed, it never "allows" because
 * the state that would refuse the caller could not be read. The fixed queries of this module do not fail
 * for other reasons, so every error here is treated as an outage (and logged with its cause).
 */
export async function authDependency<T>(
  what: 'redis' | 'postgres',
  work: () => Promise<T>,
  timeoutMs = AUTH_DEPENDENCY_TIMEOUT_MS,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([work(), timeout]);
  } catch (e) {
    if (e instanceof AppError) throw e;
    logger.warn(`${what} unavailable on the authentication path: ${(e as Error)?.message ?? String(e)}`);
    throw new AppError(
      ErrorCode.DEPENDENCY_UNAVAILABLE,
      `${what === 'redis' ? 'Redis' : 'Postgres'} is unavailable; try again shortly`,
      { dependency: what },
      { 'retry-after': '1' },
    );
  } finally {
    clearTimeout(timer);
  }
}
