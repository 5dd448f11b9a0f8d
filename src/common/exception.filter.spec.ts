import { describe, expect, it, jest } from '@jest/globals';
import { BadRequestException, Logger } from '@nestjs/common';
import { AppError } from './app-error.js';
import { page } from './envelope.js';
import { ErrorCode } from './error-codes.js';
import { renderError } from './exception.filter.js';

describe('renderError', () => {
  const logger = { error: jest.fn(), warn: jest.fn() } as unknown as Logger;

  it('keeps an AppError’s status, code, details and headers', () => {
    const r = renderError(
      new AppError(ErrorCode.RATE_LIMITED, 'slow down', { n: 1 }, { 'retry-after': '5' }),
      logger,
      'rid',
    );
    expect(r).toEqual({
      status: 429,
      body: { code: 42900, message: 'slow down', data: { n: 1 } },
      headers: { 'retry-after': '5' },
    });
  });

  it('maps framework HTTP errors by status', () => {
    expect(renderError(new BadRequestException('nope'), logger, 'rid')).toMatchObject({
      status: 400,
      body: { code: 40000, message: 'Nope' },
    });
  });

  it('turns unknown errors into a generic 500 that names the request id, and logs the details', () => {
    const r = renderError(new Error('password=hunter2 in SELECT * FROM users'), logger, 'req-77');
    expect(r.status).toBe(500);
    expect(r.body).toEqual({
      code: 50000,
      message: 'Internal error; quote request id req-77 when reporting it',
      data: null,
    });
    expect(JSON.stringify(r)).not.toContain('SELECT');
    expect(logger.error).toHaveBeenCalled();
  });

  it('maps a unique violation to 409 without leaking SQL', () => {
    const e = Object.assign(
      new Error('duplicate key value violates unique constraint "users_username_key"'),
      { name: 'QueryFailedError', code: '23505' },
    );
    expect(renderError(e, logger, 'r')).toEqual({
      status: 409,
      body: { code: 40900, message: 'The resource already exists', data: null },
    });
  });
});

describe('renderError for dependency outages', () => {
  const logger = { error: jest.fn(), warn: jest.fn() } as unknown as Logger;

  it('answers 503 DEPENDENCY_UNAVAILABLE for a statement timeout and a closed Redis connection, not 500', () => {
    const timeout = Object.assign(new Error('canceling statement due to statement timeout'), {
      name: 'QueryFailedError',
      code: '57014',
      query: 'SELECT 1',
    });
    expect(renderError(timeout, logger, 'r')).toEqual({
      status: 503,
      body: { code: 50300, message: 'Postgres is unavailable', data: { dependency: 'postgres' } },
    });
    expect(renderError(new Error('Connection is closed.'), logger, 'r')).toMatchObject({
      status: 503,
      body: { message: 'Redis is unavailable' },
    });
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
      port: 5432,
    });
    expect(renderError(refused, logger, 'r', { postgres: { host: '127.0.0.1', port: 5432 } }).status).toBe(
      503,
    );
  });
});

describe('page', () => {
  it('computes total_page', () => {
    expect(page([], 0, 1, 20)).toEqual({ cur_page: 1, cur_page_size: 20, total: 0, total_page: 0, data: [] });
    expect(page([1], 40, 2, 20).total_page).toBe(2);
    expect(page([1], 41, 3, 20).total_page).toBe(3);
    expect(page([1], 1, 1, 500).total_page).toBe(1);
  });
});
