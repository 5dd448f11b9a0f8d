import { Injectable } from '@nestjs/common';
import {
  Between,
  DataSource,
  type FindOptionsWhere,
  LessThanOrEqual,
  MoreThanOrEqual,
  type Repository,
} from 'typeorm';
import { AuditLogEntity } from './audit-log.entity.js';

export interface AuditFilter {
  actor?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  outcome?: 'success' | 'failure';
  since?: Date;
  until?: Date;
  offset: number;
  limit: number;
}

@Injectable()
export class AuditRepository {
  private readonly repo: Repository<AuditLogEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(AuditLogEntity);
  }

  async insert(row: Omit<AuditLogEntity, 'id' | 'occurredAt'>): Promise<void> {
    await this.repo.insert(row);
  }

  async insertReturningId(row: Omit<AuditLogEntity, 'id' | 'occurredAt'>): Promise<string> {
    const r = await this.repo.insert(row);
    return String((r.identifiers[0] as { id: string | number }).id);
  }

  /** Merges keys into a row's details (and sets its status, e.g. a session that ended in an error). */
  async mergeDetails(id: string, details: Record<string, unknown>, statusCode?: number): Promise<void> {
    await this.repo.query(
      `UPDATE audit_logs SET details = COALESCE(details, '{}'::jsonb) || $2::jsonb,
              status_code = COALESCE($3, status_code),
              outcome = CASE WHEN COALESCE($3, status_code) < 400 THEN 'success' ELSE 'failure' END
        WHERE id = $1`,
      [id, JSON.stringify(details), statusCode ?? null],
    );
  }

  list(f: AuditFilter): Promise<[AuditLogEntity[], number]> {
    const where: FindOptionsWhere<AuditLogEntity> = {};
    if (f.actor) where.actorName = f.actor;
    if (f.action) where.action = f.action;
    if (f.targetType) where.targetType = f.targetType;
    if (f.targetId) where.targetId = f.targetId;
    if (f.outcome) where.outcome = f.outcome;
    if (f.since && f.until) where.occurredAt = Between(f.since, f.until);
    else if (f.since) where.occurredAt = MoreThanOrEqual(f.since);
    else if (f.until) where.occurredAt = LessThanOrEqual(f.until);
    return this.repo.findAndCount({ where, order: { id: 'DESC' }, skip: f.offset, take: f.limit });
  }
}
