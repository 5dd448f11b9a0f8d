import { describe, expect, it } from '@jest/globals';
import { describeQueryError, scrubMessage, truncateQuery } from './typeorm-logger.js';

describe('TypeORM logging without parameters', () => {
  const insert = 'INSERT INTO "users"("id", "username", "password_hash") VALUES ($1, $2, $3)';
  const hash = '$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo';

  it('keeps the code, constraint and query text, never the parameters', () => {
    const err = Object.assign(
      new Error('duplicate key value violates unique constraint "users_username_key"'),
      {
        code: '23505',
        constraint: 'users_username_key',
        table: 'users',
        detail: `Key (username)=(bob) already exists.`,
      },
    );
    const d = describeQueryError(err, insert, ['id-1', 'bob', hash]);
    expect(d).toEqual({
      code: '23505',
      message: 'duplicate key value violates unique constraint "users_username_key"',
      constraint: 'users_username_key',
      table: 'users',
      column: undefined,
      query: insert,
      parameter_count: 3,
    });
    expect(JSON.stringify(d)).not.toContain(hash);
    expect(JSON.stringify(d)).not.toContain('(bob)');
  });

  it('hides values Postgres quotes back in its message, keeps identifiers of the query', () => {
    expect(scrubMessage(`invalid input syntax for type uuid: "${hash}"`, insert, [])).toBe(
      'invalid input syntax for type uuid: "…"',
    );
    expect(scrubMessage('column "password_hash" of relation "users" does not exist', insert, [])).toBe(
      'column "password_hash" of relation "users" does not exist',
    );
  });

  it('truncates long query text to one line', () => {
    const long = `SELECT ${'"a", '.repeat(200)}\n  "b" FROM "t"`;
    const t = truncateQuery(long);
    expect(t.length).toBeLessThanOrEqual(301);
    expect(t).not.toContain('\n');
  });
});
