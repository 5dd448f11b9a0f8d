// Every vendor simulator behind one import: tests start the ones they need (or all of them) in-process;
// scripts/simulators runs all four in one background process (serve.ts). See README.md.
import type { RunningSimulator, SimulatorOptions } from './common/types.js';
import { startAckSimulator } from './ack/simulator.js';
import { startTkeSimulator } from './tke/simulator.js';
import { startRancherSimulator } from './rancher/simulator.js';
import { startHarborSimulator } from './harbor/simulator.js';

export const SIMULATORS = {
  ack: startAckSimulator,
  tke: startTkeSimulator,
  rancher: startRancherSimulator,
  harbor: startHarborSimulator,
} satisfies Record<RunningSimulator['vendor'], (opts?: SimulatorOptions) => Promise<RunningSimulator>>;

export type SimulatorVendor = keyof typeof SIMULATORS;

export interface StartAllOptions extends SimulatorOptions {
  /** Fixed port per vendor; a vendor not listed gets a free port (`port` from SimulatorOptions is not used here). */
  ports?: Partial<Record<SimulatorVendor, number>>;
}

/** Starts ack, tke, rancher and harbor (in that order); if one fails, the ones already started are closed. */
export async function startAllSimulators(opts: StartAllOptions = {}): Promise<RunningSimulator[]> {
  const { ports = {}, port: _ignored, ...shared } = opts;
  const started: RunningSimulator[] = [];
  try {
    for (const [vendor, start] of Object.entries(SIMULATORS) as [
      SimulatorVendor,
      (o?: SimulatorOptions) => Promise<RunningSimulator>,
    ][]) {
      started.push(await start({ ...shared, port: ports[vendor] ?? 0 }));
    }
  } catch (e) {
    await Promise.allSettled(started.map((s) => s.close()));
    throw e;
  }
  return started;
}

export { startAckSimulator, startTkeSimulator, startRancherSimulator, startHarborSimulator };
