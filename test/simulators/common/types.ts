import type { Fault, SimServer } from './sim-server.js';
import type { KubeTarget } from './kube-targets.js';

export interface SimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Real clusters that "running" simulated clusters point at (default: the testbed's). */
  targets?: KubeTarget[];
  /**
   * Multiplies every simulated delay (provisioning, scaling, deleting). 1 = the defaults
   * (a cluster takes a few seconds to provision); tests may use 0.2 to go faster.
   */
  timeScale?: number;
}

/** What every simulator's start function resolves to. */
export interface RunningSimulator {
  vendor: 'ack' | 'tke' | 'rancher' | 'harbor';
  url: string;
  /** A valid credential for this simulator, in the shape of Berth's credential `settings` + `secrets`. */
  credential: { settings: Record<string, unknown>; secrets: Record<string, string> };
  server: SimServer;
  addFault(f: Fault): void;
  clearFaults(): void;
  close(): Promise<void>;
}
