import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import type { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { Public } from '../auth/authenticated.decorator.js';
import { AppError } from '../common/app-error.js';
import { ErrorCode } from '../common/error-codes.js';
import { ApiErrors, ApiOkEnvelope } from '../common/swagger.js';
import { REDIS } from '../redis/redis.module.js';

class HealthDto {
  @ApiProperty({ example: 'ok' }) status: string;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'Readiness only: each dependency and its state',
    example: { postgres: 'ok', redis: 'ok' },
  })
  checks?: Record<string, string>;
}

/** `p`, or a rejection after `ms` (the timer is cleared either way). */
async function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>(
        (_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms)),
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

@ApiTags('health')
@Controller()
@Public()
export class HealthController {
  constructor(
    private readonly db: DataSource,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  @Get('healthz')
  @ApiOperation({ summary: 'Liveness: the process is up' })
  @ApiOkEnvelope(HealthDto)
  healthz(): HealthDto {
    return { status: 'ok' };
  }

  @Get('readyz')
  @ApiOperation({ summary: 'Readiness: Postgres and Redis answer' })
  @ApiOkEnvelope(HealthDto)
  @ApiErrors(503)
  async readyz(): Promise<HealthDto> {
    const checks: Record<string, string> = {};
    await Promise.all([
      within(2000, this.db.query('SELECT 1')).then(
        () => (checks.postgres = 'ok'),
        (e: Error) => (checks.postgres = e.message),
      ),
      within(2000, this.redis.ping()).then(
        () => (checks.redis = 'ok'),
        (e: Error) => (checks.redis = e.message),
      ),
    ]);
    const down = Object.keys(checks).filter((k) => checks[k] !== 'ok');
    if (down.length) {
      throw new AppError(
        ErrorCode.DEPENDENCY_UNAVAILABLE,
        `Not ready: ${down.sort().join(' and ')} unavailable`,
        { checks, unavailable: down },
      );
    }
    return { status: 'ok', checks };
  }
}
