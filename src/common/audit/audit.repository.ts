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
