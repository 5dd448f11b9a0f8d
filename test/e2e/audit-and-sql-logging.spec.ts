import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp, userToken } from '../helpers/test-app.js';

/** Audit rows of hostile copied fields (item 5) and failed SQL kept out of the logs (item 6). */
describe('audit rows and SQL logging', () => {
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.login();
  });
  afterAll(() => t?.close());

  const auditRow = async (requestId: string) =>
    (
      await t.sql.query(
        'SELECT actor_name, path, target_id, outcome, status_code FROM audit_logs WHERE request_id = $1',
        [requestId],
      )
    ).rows[0];

  it('a NUL byte in a copied field (login username, path id) does not cost the request its audit row', async () => {
    const login = randomUUID();
    const r1 = await t.api('POST', '/api/v1/auth/login', {
      body: { username: 'ad\u0000min', password: 'wrong-password' },
      headers: { 'x-request-id': login },
    });
    expect(r1.status).toBeGreaterThanOrEqual(400);
    const row1 = await auditRow(login);
    expect(row1).toMatchObject({ actor_name: 'admin', outcome: 'failure', status_code: r1.status });

    const del = randomUUID();
    const r2 = await t.api('DELETE', '/api/v1/users/ab%00cd', {
      token: admin,
      headers: { 'x-request-id': del },
    });
    expect(r2.status).toBeGreaterThanOrEqual(400);
    const row2 = await auditRow(del);
    expect(row2).toBeDefined();
    expect(row2.target_id ?? '').not.toContain('\u0000');
    expect(row2.actor_name).toBe('admin');
  });

  it('a success whose audit row cannot be written answers 503 (not_written), and says the change itself happened', async () => {
    const victim = await userToken(t, admin, 'audit-victim', 'viewer');
    // The audit insert of a logout hangs in Postgres past the statement timeout (a database too slow to take it).
    await t.sql.query(`
      CREATE FUNCTION refuse_logout_audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_sleep(10); RETURN NEW; END $$;
      CREATE TRIGGER refuse_logout_audit BEFORE INSERT ON audit_logs
        FOR EACH ROW WHEN (NEW.path LIKE '%/auth/logout') EXECUTE FUNCTION refuse_logout_audit();`);
    let out;
    try {
      out = await t.api('POST', '/api/v1/auth/logout', { token: victim });
    } finally {
      await t.sql.query(
        'DROP TRIGGER refuse_logout_audit ON audit_logs; DROP FUNCTION refuse_logout_audit();',
      );
    }
    expect(out.status).toBe(503);
    expect(out.body).toMatchObject({
      code: 50300,
      data: { audit: 'not_written', handler_status: 200, dependency: 'postgres' },
      request_id: expect.any(String),
    });
    // As the 503 says (README "Decisions"), the logout itself did happen: the token is revoked.
    expect((await t.api('GET', '/api/v1/auth/me', { token: victim })).status).toBe(401);
  });

  it('a failed query is logged through pino with its code, never with its parameters (no new password hash in any log)', async () => {
    const userTok = await userToken(t, admin, 'sqllog-victim', 'viewer');
    expect(userTok).toBeTruthy();
    const { rows } = await t.sql.query<{ id: string }>(
      "SELECT id FROM users WHERE username = 'sqllog-victim'",
    );
    // Make the UPDATE of this password fail inside Postgres, with the new hash among the query's parameters.
    await t.sql.query(`
      CREATE FUNCTION refuse_password_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'password changes are frozen'; END $$;
      CREATE TRIGGER refuse_password_change BEFORE UPDATE OF password_hash ON users
        FOR EACH ROW EXECUTE FUNCTION refuse_password_change();`);

    const printed: string[] = [];
    const capture = (...args: unknown[]) => void printed.push(args.map(String).join(' '));
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
      jest.spyOn(console, m).mockImplementation(capture),
    );
    const origOut = process.stdout.write.bind(process.stdout);
    const origErr = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => (
      printed.push(String(chunk)),
      (origOut as any)(chunk, ...rest)
    )) as never;
    process.stderr.write = ((chunk: unknown, ...rest: unknown[]) => (
      printed.push(String(chunk)),
      (origErr as any)(chunk, ...rest)
    )) as never;
    const password = 'the-new-password-4711';
    const before = t.logs.length;
    let res;
    try {
      res = await t.api('PATCH', `/api/v1/users/${rows[0].id}`, { token: admin, body: { password } });
    } finally {
      spies.forEach((s) => s.mockRestore());
      process.stdout.write = origOut as never;
      process.stderr.write = origErr as never;
    }
    expect(res.status).toBe(500);
    const logged = t.logs.slice(before);
    // The failure is in Berth's own log, with Postgres' code and the query text …
    const line = logged.find((l) => l.includes('query failed'));
    expect(line).toBeDefined();
    expect(JSON.parse(line!)).toMatchObject({
      context: 'TypeORM',
      query_error: { code: 'P0001', message: 'password changes are frozen' },
    });
    expect(JSON.parse(line!).query_error.query).toMatch(/^UPDATE "users" SET "password_hash" = \$1/);
    // … and neither the password nor its hash (nor any parameter) appears anywhere.
    for (const text of [...logged, ...printed]) {
      expect(text).not.toContain('scrypt$');
      expect(text).not.toContain(password);
      expect(text).not.toMatch(/PARAMETERS/i);
    }
    expect(printed.filter((p) => /query failed|QueryFailedError|UPDATE "users"/.test(p))).toEqual([]);
  });
});
