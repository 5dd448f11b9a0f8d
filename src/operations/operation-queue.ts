import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import Bull from 'bull';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

export interface OperationJobData {
  operationId: string;
}

export type JobState = 'waiting' | 'active' | 'delayed' | 'completed' | 'failed' | 'paused' | 'stuck' | 'missing';

/** The bull queue behind operations. The job id is the operation id, so adding the same operation twice is a no-op. */
@Injectable()
export class OperationQueue implements OnApplicationShutdown {
  readonly queue: Bull.Queue<OperationJobData>;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.queue = new Bull<OperationJobData>('operations', config.redis.url, {
      prefix: `${config.redis.key_prefix}bull`,
      defaultJobOptions: { attempts: 1, removeOnComplete: 1000, removeOnFail: 5000 },
      settings: { stalledInterval: 15000, maxStalledCount: 2, lockDuration: 30000 },
    });
  }

  async add(type: string, operationId: string): Promise<void> {
    await this.queue.add(type, { operationId }, { jobId: operationId });
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
