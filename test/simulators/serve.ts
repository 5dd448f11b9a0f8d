// Runs every vendor simulator in this one process for scripts/simulators (`up`). Not for tests: they
// start simulators in-process through index.ts.
//   node --import tsx/esm test/simulators/serve.ts
// Env: BERTH_SIM_ACK_PORT (18080), BERTH_SIM_TKE_PORT (18081), BERTH_SIM_RANCHER_PORT (18082),
// BERTH_SIM_HARBOR_PORT (18083), BERTH_SIM_TIME_SCALE (1), BERTH_SIM_DIR (<repo>/.simulators).
// Writes <dir>/pid, then <dir>/state.json once every simulator listens: { "<vendor>": { url, credential } }.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testbedTargets } from './common/kube-targets.js';
import { startAllSimulators, type SimulatorVendor } from './index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = process.env.BERTH_SIM_DIR ?? join(root, '.simulators');
const port = (name: string, dflt: number): number => {
  const raw = process.env[name];
  if (!raw) return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name}=${raw} is not a port`);
  return n;
};

async function main(): Promise<void> {
  const ports: Record<SimulatorVendor, number> = {
    ack: port('BERTH_SIM_ACK_PORT', 18080),
    tke: port('BERTH_SIM_TKE_PORT', 18081),
    rancher: port('BERTH_SIM_RANCHER_PORT', 18082),
    harbor: port('BERTH_SIM_HARBOR_PORT', 18083),
  };
  const timeScale = Number(process.env.BERTH_SIM_TIME_SCALE ?? '1') || 1;
  const targets = testbedTargets(root);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'pid'), `${process.pid}\n`);
  console.log(
    `[${new Date().toISOString()}] starting simulators (pid ${process.pid}, timeScale ${timeScale}, ${targets.length} testbed target(s))`,
  );
  if (!targets.length)
    console.log('no .testbed/state.json: kubeconfigs point at the placeholder https://127.0.0.1:1');

  const sims = await startAllSimulators({ ports, timeScale, targets });
  const state = Object.fromEntries(sims.map((s) => [s.vendor, { url: s.url, credential: s.credential }]));
  const tmp = join(dir, 'state.json.tmp');
  writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n');
  renameSync(tmp, join(dir, 'state.json'));
  for (const s of sims) console.log(`${s.vendor.padEnd(8)} ${s.url}`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[${new Date().toISOString()}] ${signal}: stopping`);
    await Promise.allSettled(sims.map((s) => s.close()));
    rmSync(join(dir, 'state.json'), { force: true });
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((e: unknown) => {
  console.error(`simulators failed to start: ${String((e as Error)?.stack ?? e)}`);
  process.exit(1);
});
