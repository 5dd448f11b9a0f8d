import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import Bull from 'bull';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { bullRedisOptions } from '../redis/redis.module.js';

export interface OperationJobData {
  operationId: string;
}

export type JobState =
  'waiting' | 'active' | 'delayed' | 'completed' | 'failed' | 'paused' | 'stuck' | 'missing';

/** The bull queue behind operations. The job id is the operation id, so adding the same operation twice is a no-op. */
@Injectable()
export class OperationQueue implements OnApplicationShutdown {
  readonly queue: Bull.Queue<OperationJobData>;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.queue = new Bull<OperationJobData>('operations', config.redis.url, {
      prefix: `${config.redis.key_prefix}bull`,
      redis: bullRedisOptions(config),
      defaultJobOptions: { attempts: 1, removeOnComplete: 1000, removeOnFail: 5000 },
      settings: { stalledInterval: 15000, maxStalledCount: 2, lockDuration: 30000 },
    });
  }

  /**
   * Queues the operation's job. Bounded: with Redis frozen or away this fails after the Redis command
   * timeout instead of holding the request (the row is the source of truth; recovery queues it later, and
   * a late add of the same job id is a no-op).
   */
  async add(type: string, operationId: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const ms = this.config.redis.command_timeout_ms;
    try {
      await Promise.race([
        this.queue.add(type, { operationId }, { jobId: operationId }),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('Command timed out')), ms))),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async state(operationId: string): Promise<JobState> {
    const job = await this.queue.getJob(operationId);
    return job ? ((await job.getState()) as JobState) : 'missing';
  }

  async remove(operationId: string): Promise<void> {
    await (await this.queue.getJob(operationId))?.remove();
  }

  process(concurrency: number, fn: (job: Bull.Job<OperationJobData>) => Promise<unknown>): void {
    void this.queue.process('*', concurrency, fn);
  }

  async onApplicationShutdown(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.queue.close(), new Promise((r) => (timer = setTimeout(r, 5000)))]);
    clearTimeout(timer);
  }
}
