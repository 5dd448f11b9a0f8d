import type { RunningSimulator } from '../simulators/common/types.js';
import { eventually, type TestApp } from './test-app.js';

/** Stores the simulator's credential in Berth and returns its id. */
export async function simCredential(
  t: TestApp,
  token: string,
  sim: RunningSimulator,
  name: string,
  secrets: Record<string, string> = {},
): Promise<string> {
  const res = await t.api('POST', '/api/v1/credentials', {
    token,
    body: {
      name,
      provider: sim.vendor,
      settings: sim.credential.settings,
      secrets: { ...sim.credential.secrets, ...secrets },
    },
  });
  if (res.status !== 201) throw new Error(`credential ${name}: ${res.text}`);
  return res.body.data.id as string;
}

/** Waits until an operation has finished and returns it. */
export async function settled(t: TestApp, token: string, id: string, timeoutMs = 30_000) {
  return eventually(
    async () => {
      const op = (await t.api('GET', `/api/v1/operations/${id}`, { token })).body.data;
      return ['succeeded', 'failed'].includes(op.status) ? op : null;
    },
    timeoutMs,
    100,
  );
}

/** The simulator's calls of one vendor action. */
export const callsOf = (sim: RunningSimulator, action: string) =>
  sim.server.calls.filter((c) => c.action === action).length;

export async function simState<T = any>(sim: RunningSimulator): Promise<T> {
  return (await (await fetch(`${sim.url}/__sim/state`)).json()) as T;
}
