import type { Logger } from 'pino';

export interface ProcessGuardOptions {
  /** Graceful shutdown (close the HTTP server, queues, pools) before exiting after an uncaught exception. */
  shutdown: () => Promise<unknown>;
  /** How long the shutdown may take before the process exits anyway. */
  shutdownTimeoutMs?: number;
  exit?: (code: number) => void;
}

export interface ProcessGuards {
  onRejection: (reason: unknown) => void;
  onException: (err: Error, origin: string) => void;
  uninstall: () => void;
}

/**
 * Berth's last resort against errors that escaped every handler.
 *
 * - A stray promise rejection (`unhandledRejection`) is a task that failed with nobody waiting for it,
 *   e.g. a per-cluster call whose caller had already given up. The rejection itself leaves no state
 *   half-changed, so it is logged through pino and Berth keeps serving: one bad cluster must not take
 *   every other cluster's users down with it.
 * - An `uncaughtException` is different: it was thrown out of a callback in the middle of whatever that
 *   callback was doing (a timer, a socket event, an agent's bookkeeping — Node's HTTP agent can be left
 *   with a corrupt pool by a throw inside `request()`), so the process state is unknown and Node's own
 *   documentation says resuming is not safe. Berth logs it at `fatal`, stops taking requests, shuts down
 *   gracefully within a bound and exits non-zero, so the supervisor restarts a clean process. Known causes
 *   of such throws (invalid credentials reaching Node's HTTP/TLS stack) are refused at the door and
 *   contained in the Kubernetes client, so a restart does not meet the same throw again.
 */
export function installProcessGuards(log: Logger, opts: ProcessGuardOptions): ProcessGuards {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  let dying = false;
  const onRejection = (reason: unknown) => {
    log.error(
      { err: reason, event: 'unhandledRejection' },
      `unhandled promise rejection (Berth keeps serving): ${describe(reason)}`,
    );
  };
  const onException = (err: Error, origin: string) => {
    log.fatal(
      { err, event: 'uncaughtException', origin },
      `uncaught exception, shutting down: ${describe(err)}`,
    );
    if (dying) return;
    dying = true;
    const timeout = opts.shutdownTimeoutMs ?? 10_000;
    const timer = setTimeout(() => exit(1), timeout);
    timer.unref();
    opts.shutdown().then(
      () => exit(1),
      (e: unknown) => {
        log.error({ err: e }, `shutdown after uncaught exception failed: ${describe(e)}`);
        exit(1);
      },
    );
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    onRejection,
    onException,
    uninstall: () => {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
