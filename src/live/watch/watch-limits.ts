import { Inject, Injectable, type BeforeApplicationShutdown, Optional } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { AppError } from '../../common/app-error.js';
import { ErrorCode } from '../../common/error-codes.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import type { CloseReason } from './sse-stream.js';

export type StreamKind = 'resource' | 'fleet' | 'operation';

interface Open {
  caller: string;
  kind: StreamKind;
  close: (reason: CloseReason, message: string) => void;
}

/** How long a refused client is told to wait: streams are long-lived, so not too eagerly. */
const RETRY_AFTER_SECONDS = 5;

/**
 * The open watch streams of this instance: at most `watch.max_streams` in all and
 * `watch.max_streams_per_caller` per user (429 with Retry-After past either), closed with an event on shutdown.
 */
@Injectable()
export class WatchLimits implements BeforeApplicationShutdown {
  private readonly open = new Set<Open>();
  private readonly perCaller = new Map<string, number>();
  private readonly gauge?: Gauge<'kind'>;
  readonly dropped?: Counter<'reason'>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() metrics?: MetricsService,
  ) {
    if (metrics) {
      this.gauge = new Gauge({
        name: 'berth_watch_streams',
        help: 'Open watch streams (SSE) on this instance',
        labelNames: ['kind'],
        registers: [metrics.registry],
      });
      for (const k of ['resource', 'fleet', 'operation']) this.gauge.set({ kind: k }, 0);
      this.dropped = new Counter({
        name: 'berth_watch_closed_total',
        help: 'Watch streams Berth closed, by reason (overflow, token_expired, token_revoked, forbidden, ...)',
        labelNames: ['reason'],
        registers: [metrics.registry],
      });
    }
  }

  /** Takes a slot for the caller, or throws 429. The returned function gives it back (idempotent). */
  acquire(caller: string, kind: StreamKind, close: Open['close']): () => void {
    const { max_streams, max_streams_per_caller } = this.config.watch;
    const mine = this.perCaller.get(caller) ?? 0;
    const refuse = (message: string, limit: number) =>
      new AppError(
        ErrorCode.RATE_LIMITED,
        message,
        { limit, retry_after_seconds: RETRY_AFTER_SECONDS },
        { 'retry-after': String(RETRY_AFTER_SECONDS) },
      );
    if (mine >= max_streams_per_caller)
      throw refuse(
        `You have ${mine} watch streams open, the most one caller may; close one first`,
        max_streams_per_caller,
      );
    if (this.open.size >= max_streams)
      throw refuse(
        `This instance serves ${this.open.size} watch streams, its limit; retry later`,
        max_streams,
      );
    const entry: Open = { caller, kind, close };
    this.open.add(entry);
    this.perCaller.set(caller, mine + 1);
    this.gauge?.inc({ kind });
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.open.delete(entry);
      const n = (this.perCaller.get(caller) ?? 1) - 1;
      if (n > 0) this.perCaller.set(caller, n);
      else this.perCaller.delete(caller);
      this.gauge?.dec({ kind });
    };
  }

  closed(reason: CloseReason): void {
    if (reason !== 'ended') this.dropped?.inc({ reason });
  }

  get size(): number {
    return this.open.size;
  }

  beforeApplicationShutdown(): void {
    for (const o of [...this.open]) o.close('server_shutdown', 'Berth is shutting down; reconnect');
  }
}
