import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { AppError } from '../common/app-error.js';
import { ErrorCode } from '../common/error-codes.js';
import type { JsonObject } from '../common/json.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { OPERATION_HANDLER, type OperationContext, type OperationHandler } from './operation-handler.js';
import type { OperationError } from './operation.entity.js';
import { OperationQueue } from './operation-queue.js';
import { OperationType } from './operation-types.js';
import { OperationsRepository } from './operations.repository.js';

/**
 * Runs operations from the bull queue and keeps each Postgres row in step with its job:
 * queued → running (progress, checkpoint) → succeeded | failed. Also recovers rows whose jobs were lost
 * (Redis flushed, instance killed) at boot and then every minute.
 */
@Injectable()
export class OperationsWorker implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(OperationsWorker.name);
  private readonly handlers = new Map<OperationType, OperationHandler>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
    private readonly repo: OperationsRepository,
    private readonly queue: OperationQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  /** Every operation type has exactly one handler, or Berth does not start. */
  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as OperationHandler | undefined;
      if (!instance || !wrapper.metatype) continue;
      const type = this.reflector.get<OperationType>(OPERATION_HANDLER, wrapper.metatype);
      if (!type) continue;
      if (this.handlers.has(type)) throw new Error(`operation type ${type} has two handlers`);
      this.handlers.set(type, instance);
    }
    const missing = Object.values(OperationType).filter((t) => !this.handlers.has(t));
    if (missing.length) throw new Error(`operation types without a handler: ${missing.join(', ')}`);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.workers.enabled) return;
    this.queue.process(this.config.workers.concurrency, (job) => this.execute(job.data.operationId));
    await this.recover(new Date());
    // An unfinished row untouched for half an interval (a running operation reports progress more often)
    // whose job is gone or ended is re-queued; one sweep at a time, so a dependency outage cannot pile them up.
    const every = this.config.workers.recovery_interval_ms;
    let sweeping = false;
    this.timer = setInterval(() => {
      if (sweeping) return;
      sweeping = true;
      this.recover(new Date(Date.now() - every / 2))
        .catch((e: Error) => this.logger.warn(`operation recovery sweep failed: ${e.message}`))
        .finally(() => (sweeping = false));
    }, every);
    this.timer.unref();
  }

  beforeApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Re-queues unfinished operations whose job is gone; settles rows whose job ended without them. */
  async recover(before: Date): Promise<number> {
    let requeued = 0;
    for (const op of await this.repo.findUnfinished(before)) {
      const state = await this.queue.state(op.id);
      if (state === 'missing') {
        await this.queue.add(op.type, op.id);
        requeued++;
        this.logger.warn(
          { operation_id: op.id, type: op.type, state: 'requeued', request_id: op.requestId },
          `re-queued operation ${op.id} (${op.type}): its job was lost`,
        );
      } else if (state === 'completed' || state === 'failed') {
        // The job ended but the row was not updated (the process died in between): run it again, resumably.
        await this.queue.remove(op.id);
        await this.queue.add(op.type, op.id);
        requeued++;
        this.logger.warn(
          { operation_id: op.id, type: op.type, state: 'requeued', request_id: op.requestId },
          `re-queued operation ${op.id} (${op.type}): its job ended (${state}) without settling it`,
        );
      }
    }
    return requeued;
  }

  /** Runs one operation; safe to call twice for the same id. */
  async execute(operationId: string): Promise<void> {
    if (!(await this.repo.markRunning(operationId))) return;
    const op = (await this.repo.findById(operationId))!;
    const started = performance.now();
    const fields = { operation_id: op.id, type: op.type, request_id: op.requestId, attempt: op.attempts };
    this.logger.log(
      { ...fields, state: 'running', retry: op.attempts > 1 },
      `operation ${op.id} (${op.type}) running${op.attempts > 1 ? ` (attempt ${op.attempts})` : ''}`,
    );
    const ended = (outcome: 'succeeded' | 'failed') => {
      const seconds = (performance.now() - started) / 1000;
      this.metrics.operations.inc({ type: op.type, outcome });
      this.metrics.operationDuration.observe({ type: op.type, outcome }, seconds);
      return seconds;
    };
    const handler = this.handlers.get(op.type);
    const checkpoint: Record<string, unknown> = { ...op.checkpoint };
    const saveCheckpoint = async (patch: Record<string, unknown>) => {
      Object.assign(checkpoint, patch);
      await this.repo.saveCheckpoint(op.id, checkpoint as JsonObject);
    };
    const ctx: OperationContext = {
      operation: op,
      payload: op.payload,
      checkpoint,
      progress: (percent, message) =>
        this.repo.setProgress(op.id, Math.max(0, Math.min(99, Math.round(percent))), message ?? null),
      saveCheckpoint,
      step: async (key, fn) => {
        if (key in checkpoint) return checkpoint[key];
        const value = await fn();
        await saveCheckpoint({ [key]: value });
        return value;
      },
    };
    try {
      if (!handler) throw new Error(`no handler for operation type ${op.type}`);
      const result = await handler.run(ctx);
      await this.repo.succeed(op.id, result);
      const seconds = ended('succeeded');
      this.logger.log(
        { ...fields, state: 'succeeded', duration_s: seconds },
        `operation ${op.id} (${op.type}) succeeded`,
      );
    } catch (e) {
      const error: OperationError =
        e instanceof AppError
          ? { code: e.code, message: e.message, details: e.details }
          : { code: ErrorCode.INTERNAL, message: (e as Error)?.message ?? String(e) };
      this.logger.warn(
        { ...fields, state: 'failed', error_code: error.code, error_message: error.message },
        `operation ${op.id} (${op.type}) failed: ${error.message}`,
      );
      await this.repo.fail(op.id, error);
      ended('failed');
    }
  }
}
