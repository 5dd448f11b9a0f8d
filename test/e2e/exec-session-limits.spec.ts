// Session limits of exec / attach / port-forward (BERTH_EXEC_IDLE_TIMEOUT_SECONDS, BERTH_EXEC_MAX_SESSION_SECONDS)
// on a real testbed API server: the testbed's kwok runs exec commands for real (ClusterExec, local target), so
// a WebSocket client holds a real session open, idle or busy, until a limit ends it with a close frame.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { importCluster, testbed } from '../helpers/clusters.js';
import { eventually, startTestApp, type TestApp } from '../helpers/test-app.js';

const NS = `berth-limits-${randomBytes(3).toString('hex')}`;
const POD = 'shell';
const IDLE_S = 2;
const MAX_S = 8;

/**
 * kwok never closes a command's stdin, and a command that only reads outlives its session: the reading
 * commands are bounded with `timeout` so that runs of this spec leave nothing behind on the machine.
 */
const READER = ['timeout', '30', 'head', '-c', '1000000'];

/** Whether a process on this machine (kwok runs exec commands locally) has `marker` in its command line. */
function running(marker: string): boolean {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker)) return true;
    } catch {
      /* gone meanwhile */
    }
  }
  return false;
}

interface Ended {
  code: number;
  reason: string;
  /** ms from the open to the close frame. */
  after: number;
  frames: Buffer[];
}

type AuditRow = { request_id: string; status_code: number; details: Record<string, unknown> | null };

describe('exec session limits (e2e, testbed)', () => {
  let t: TestApp;
  let admin: string;
  let cluster: string;

  /** Opens a v5.channel.k8s.io exec session; `ended` settles when the WebSocket closes. */
  const exec = (command: string[], requestId: string) => {
    const q = new URLSearchParams();
    for (const c of command) q.append('command', c);
    q.set('stdin', 'true');
    q.set('stdout', 'true');
    q.set('stderr', 'true');
    const ws = new WebSocket(
      `${t.url.replace(/^http/, 'ws')}/api/v1/clusters/${cluster}/namespaces/${NS}/pods/${POD}/exec?${q}`,
      ['v5.channel.k8s.io'],
      { headers: { authorization: `Bearer ${admin}`, 'x-request-id': requestId } },
    );
    const frames: Buffer[] = [];
    ws.on('message', (d: Buffer) => frames.push(Buffer.from(d)));
    const opened = new Promise<number>((resolve, reject) => {
      ws.once('open', () => resolve(Date.now()));
      ws.once('error', reject);
    });
    const ended = opened.then(
      (at) =>
        new Promise<Ended>((resolve) =>
          ws.once('close', (code, reason) =>
            resolve({ code, reason: reason.toString(), after: Date.now() - at, frames }),
          ),
        ),
    );
    return { ws, opened, ended };
  };

  const auditRow = async (requestId: string): Promise<AuditRow> => {
    let row: AuditRow | undefined;
    await eventually(
      async () => {
        const res = await t.api(
          'GET',
          `/api/v1/audit-logs?action=pod.exec&target_id=${cluster}&page_size=100`,
          {
            token: admin,
          },
        );
        row = (res.body.data.data as AuditRow[]).find(
          (r) => r.request_id === requestId && r.details?.ended_at,
        );
        return !!row;
      },
      10_000,
      200,
    );
    return row!;
  };

  beforeAll(async () => {
    const [alpha] = testbed();
    t = await startTestApp({
      env: {
        BERTH_EXEC_IDLE_TIMEOUT_SECONDS: String(IDLE_S),
        BERTH_EXEC_MAX_SESSION_SECONDS: String(MAX_S),
      },
    });
    admin = await t.login();
    cluster = await importCluster(t, admin, alpha, 'limits-alpha');
    const applied = await t.api('POST', `/api/v1/clusters/${cluster}/apply`, {
      token: admin,
      body: {
        manifest: `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${NS}}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: ${POD}, namespace: ${NS}}\nspec: {containers: [{name: sh, image: busybox}]}\n`,
      },
    });
    expect(applied.status).toBe(200);
    await eventually(
      async () =>
        (await t.api('GET', `/api/v1/clusters/${cluster}/namespaces/${NS}/pods/${POD}`, { token: admin }))
          .body.data?.status?.phase === 'Running',
      60_000,
      500,
    );
  }, 90_000);

  afterAll(async () => {
    await t?.api('DELETE', `/api/v1/clusters/${cluster}/resources/namespaces/${NS}`, { token: admin });
    await t?.close();
  });

  it('an idle session (nothing either way; WebSocket pings do not count) is closed with 4408 after the idle timeout', async () => {
    const id = `limits-idle-${NS}`;
    // head waits for stdin that never comes: no byte either way.
    const s = exec(READER, id);
    await s.opened;
    // Keep-alive frames (kubectl's executor pings every 5 s) are not activity.
    const pings = setInterval(() => s.ws.ping(), 300);
    const end = await s.ended;
    clearInterval(pings);
    expect(end.code).toBe(4408);
    expect(end.reason).toBe(`idle timeout ${IDLE_S}s`);
    expect(end.after).toBeGreaterThanOrEqual(IDLE_S * 1000 - 100);
    expect(end.after).toBeLessThan(IDLE_S * 1000 + 1500);
    const row = await auditRow(id);
    expect(row.status_code).toBe(101);
    expect(row.details).toMatchObject({
      command: READER,
      end_reason: `idle timeout ${IDLE_S}s`,
      close_code: 4408,
    });
    expect(row.details!.duration_ms as number).toBeGreaterThanOrEqual(IDLE_S * 1000 - 100);
    expect(row.details!.duration_ms as number).toBeLessThan(IDLE_S * 1000 + 2000);
  });

  it('stdin keeps a session alive past the idle timeout; once it stops, the idle timeout ends it', async () => {
    const id = `limits-active-${NS}`;
    const s = exec(READER, id);
    await s.opened;
    let closed = false;
    void s.ended.then(() => (closed = true));
    const busyMs = IDLE_S * 1000 * 2;
    const until = Date.now() + busyMs;
    while (Date.now() < until) {
      s.ws.send(Buffer.from([0, 0x78])); // one byte on stdin (channel 0)
      await new Promise((r) => setTimeout(r, 400));
      expect(closed).toBe(false);
    }
    const quietFrom = Date.now();
    const end = await s.ended;
    expect(end.code).toBe(4408);
    expect(end.reason).toBe(`idle timeout ${IDLE_S}s`);
    expect(end.after).toBeGreaterThan(busyMs);
    expect(Date.now() - quietFrom).toBeGreaterThanOrEqual(IDLE_S * 1000 - 500);
    expect(Date.now() - quietFrom).toBeLessThan(IDLE_S * 1000 + 1500);
    const row = await auditRow(id);
    expect(row.details).toMatchObject({ end_reason: `idle timeout ${IDLE_S}s`, close_code: 4408 });
    // Every stdin frame reached Berth: 10 frames of 2 bytes + the client's framing (6 bytes each, masked).
    expect(row.details!.bytes_from_client as number).toBeGreaterThanOrEqual(8 * 10);
  });

  it('the maximum session length ends even a busy session (output every 0.5 s) with 4409', async () => {
    const id = `limits-max-${NS}`;
    // Output keeps it busy from the cluster's side (bounded, in case the command outlives the session); the
    // marker names its process on this machine.
    const marker = `${NS}-max`;
    const script = `i=0; while [ $i -lt 60 ]; do echo tick; i=$((i+1)); sleep 0.5; done # ${marker}`;
    const s = exec(['sh', '-c', script], id);
    await s.opened;
    await eventually(async () => running(marker), 5_000, 100);
    const end = await s.ended;
    expect(end.code).toBe(4409);
    expect(end.reason).toBe(`max session length ${MAX_S}s`);
    expect(end.after).toBeGreaterThanOrEqual(MAX_S * 1000 - 100);
    expect(end.after).toBeLessThan(MAX_S * 1000 + 1500);
    const stdout = Buffer.concat(end.frames.filter((f) => f[0] === 1).map((f) => f.subarray(1))).toString();
    // It was busy all along (well past the idle timeout), and every frame arrived whole.
    expect(stdout.split('tick').length - 1).toBeGreaterThanOrEqual(MAX_S);
    expect(stdout.replace(/tick\r?\n/g, '')).toBe('');
    // The upstream was torn down: the API server ended the stream to kwok, whose command dies at its next
    // write (it would go on for another 20 s otherwise).
    await eventually(async () => !running(marker), 5_000, 100);
    const row = await auditRow(id);
    expect(row.details).toMatchObject({ end_reason: `max session length ${MAX_S}s`, close_code: 4409 });
    expect(row.details!.bytes_to_client as number).toBeGreaterThan(stdout.length);
  });

  it('a session that ends by itself has no close code of Berth’s in its record', async () => {
    const id = `limits-normal-${NS}`;
    const s = exec(['sh', '-c', 'echo done; sleep 0.3'], id);
    const end = await s.ended;
    expect(end.code).not.toBe(4408);
    expect(end.code).not.toBe(4409);
    const row = await auditRow(id);
    expect(row.details).toMatchObject({ close_code: null });
    expect(String(row.details!.end_reason)).toMatch(/^closed by (cluster|client)$/);
  });
});
