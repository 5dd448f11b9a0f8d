import type { Bind } from '../access/label-selector.js';
import { Injectable } from '@nestjs/common';
import { DataSource, In, IsNull, LessThan, type Repository } from 'typeorm';
import { type OperationEntity as Op, OperationEntity, type OperationError } from './operation.entity.js';
import type { JsonObject } from '../common/json.js';
import { ACTIVE_STATUSES, OperationStatus, type OperationType } from './operation-types.js';

export interface OperationFilter {
  type?: OperationType;
  status?: OperationStatus;
  targetType?: string;
  targetId?: string;
  offset: number;
  limit: number;
  /** What the caller may see: its own operations, those on clusters matching `clusters`, others with `others`. */
  visible?: { me: string; clusters: (alias: string, bind: Bind) => Promise<string>; others: boolean };
}

@Injectable()
export class OperationsRepository {
  private readonly repo: Repository<OperationEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(OperationEntity);
  }

  findById(id: string): Promise<Op | null> {
    return this.repo.findOneBy({ id });
  }

  findByIdempotencyKey(createdBy: string | null, key: string): Promise<Op | null> {
    return this.repo.findOneBy({ createdBy: createdBy ?? IsNull(), idempotencyKey: key });
  }

  /**
   * Records a queued operation. With `exclusive`: only when no unfinished operation is on the target (or
   * on the part of it `exclusive.payload` names), checked under a transaction-scoped advisory lock on the
   * target; the unfinished one is returned instead.
   */
  async insert(
    op: Pick<
      Op,
      | 'id'
      | 'type'
      | 'targetType'
      | 'targetId'
      | 'payload'
      | 'idempotencyKey'
      | 'requestHash'
      | 'createdBy'
      | 'requestId'
    > & { checkpoint?: JsonObject },
    exclusive?: { payload?: Record<string, unknown> } | false,
  ): Promise<Op | null> {
    const row = { ...op, status: OperationStatus.QUEUED, progress: 0 };
    if (!exclusive) {
      await this.repo.save(this.repo.create(row));
      return null;
    }
    return this.repo.manager.transaction(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
        `operations:${op.targetType}:${op.targetId ?? ''}`,
      ]);
      const busy = await this.findActive(
        op.targetType,
        op.targetId ?? '',
        exclusive.payload,
        m.getRepository(OperationEntity),
      );
      if (busy) return busy;
      await m.getRepository(OperationEntity).save(m.getRepository(OperationEntity).create(row));
      return null;
    });
  }

  /** The newest operation of a type on a target, finished or not. */
  findLatest(type: string, targetType: string, targetId: string): Promise<Op | null> {
    return this.repo.findOne({
      where: { type: type as Op['type'], targetType, targetId },
      order: { createdAt: 'DESC', id: 'ASC' },
    });
  }

  async list(f: OperationFilter): Promise<[Op[], number]> {
    const q = this.repo.createQueryBuilder('o');
    if (f.type) q.andWhere('o.type = :type', { type: f.type });
    if (f.status) q.andWhere('o.status = :status', { status: f.status });
    if (f.targetType) q.andWhere('o.target_type = :targetType', { targetType: f.targetType });
    if (f.targetId) q.andWhere('o.target_id = :targetId', { targetId: f.targetId });
    if (f.visible) {
      let n = 0;
      const cond = await f.visible.clusters('c', (v) => {
        const name = `acl${n++}`;
        q.setParameter(name, v);
        return `:${name}`;
      });
      const onClusters =
        cond === 'TRUE'
          ? 'TRUE'
          : `EXISTS (SELECT 1 FROM clusters c WHERE c.id::text = o.target_id AND (${cond}))`;
      q.andWhere(
        `(o.created_by = :me OR (o.target_type = 'clusters' AND ${onClusters}) OR (o.target_type <> 'clusters' AND ${f.visible.others ? 'TRUE' : 'FALSE'}))`,
        { me: f.visible.me },
      );
    }
    return q
      .orderBy('o.created_at', 'DESC')
      .addOrderBy('o.id', 'ASC')
      .skip(f.offset)
      .take(f.limit)
      .getManyAndCount();
  }

  /**
   * The newest running (else queued) operation on a target; `payload`: only those whose payload contains it.
   * One query: two (running, then queued) would miss an operation that turns running between them.
   */
  findActive(
    targetType: string,
    targetId: string,
    payload?: Record<string, unknown>,
    repo: Repository<OperationEntity> = this.repo,
  ): Promise<Op | null> {
    const q = repo
      .createQueryBuilder('o')
      .where('o.targetType = :targetType AND o.targetId = :targetId AND o.status IN (:...active)', {
        targetType,
        targetId,
        active: [OperationStatus.RUNNING, OperationStatus.QUEUED],
      });
    if (payload) q.andWhere('o.payload @> CAST(:payload AS jsonb)', { payload: JSON.stringify(payload) });
    return q
      .orderBy(`CASE WHEN o.status = '${OperationStatus.RUNNING}' THEN 0 ELSE 1 END`, 'ASC')
      .addOrderBy('o.createdAt', 'DESC')
      .addOrderBy('o.id', 'ASC')
      .getOne();
  }

  /** Operations not finished and not touched since `before`: candidates for recovery. */
  findUnfinished(before: Date): Promise<Op[]> {
    return this.repo.find({
      where: { status: In(ACTIVE_STATUSES), updatedAt: LessThan(before) },
      order: { createdAt: 'ASC' },
    });
  }

  /** queued|running → running; false when the row is already finished (a duplicate or late job). */
  async markRunning(id: string): Promise<boolean> {
    const res = await this.repo
      .createQueryBuilder()
      .update()
      .set({
        status: OperationStatus.RUNNING,
        startedAt: () => 'COALESCE(started_at, now())',
        attempts: () => 'attempts + 1',
      })
      .where({ id, status: In(ACTIVE_STATUSES) })
      .execute();
    return (res.affected ?? 0) > 0;
  }

  async setProgress(id: string, progress: number, message: string | null): Promise<void> {
    await this.repo.update({ id, status: OperationStatus.RUNNING }, { progress, message });
  }

  async saveCheckpoint(id: string, checkpoint: JsonObject): Promise<void> {
    await this.repo.update({ id }, { checkpoint });
  }

  async succeed(id: string, result: JsonObject | null): Promise<void> {
    await this.repo.update(
      { id, status: In(ACTIVE_STATUSES) },
      { status: OperationStatus.SUCCEEDED, progress: 100, result, error: null, finishedAt: new Date() },
    );
  }

  async fail(id: string, error: OperationError): Promise<void> {
    await this.repo.update(
      { id, status: In(ACTIVE_STATUSES) },
      // The progress text says it failed (not the last "waiting for …" step it reached).
      {
        status: OperationStatus.FAILED,
        error,
        message: `failed: ${String(error.message ?? '').slice(0, 500)}`,
        finishedAt: new Date(),
      },
    );
  }
}
