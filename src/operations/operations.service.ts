import { Injectable, Logger } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { AppError } from '../common/app-error.js';
import { page, type Page } from '../common/envelope.js';
import { ErrorCode } from '../common/error-codes.js';
import type { JsonObject } from '../common/json.js';
import { currentRequestId } from '../common/request-context.js';
import type { OperationDto, OperationQueryDto } from './dto/operation.dto.js';
import { toOperationDto } from './operation.mapper.js';
import { OperationQueue } from './operation-queue.js';
import type { OperationType } from './operation-types.js';
import { OperationsRepository } from './operations.repository.js';
import type { OperationEntity } from './operation.entity.js';
import { AccessService } from '../access/access.service.js';
import { Verb } from '../access/roles.js';
import type { AuthUser } from '../auth/role.js';

export interface StartOperation {
  type: OperationType;
  targetType: string;
  targetId: string | null;
  payload?: Record<string, unknown>;
  actorId: string | null;
  idempotencyKey?: string;
  /** The API request starting it (logged with each state change); by default the current request's. */
  requestId?: string | null;
  /** Where the handler starts (a retry resumes from an earlier run's checkpoint). */
  checkpoint?: Record<string, unknown>;
  /**
   * One unfinished operation at a time on the target (or, with `payload`, on the part of it whose
   * operations' payloads contain it): checked and recorded under one lock, so two concurrent requests
   * never both start. An unfinished one is answered with `operationInProgress(subject)`, or returned when
   * it is the same request (its Idempotency-Key) or `join` accepts it.
   */
  exclusive?: {
    subject: string;
    payload?: Record<string, unknown>;
    join?: (busy: OperationDto) => boolean;
  };
}

/** The 409 for a change refused because `subject` (e.g. "cluster alpha") has an unfinished operation. */
export function operationInProgress(subject: string, op: Pick<OperationDto, 'id' | 'type'>): AppError {
  return AppError.conflict(`${subject} has operation ${op.id} (${op.type}) in progress`, {
    operation_id: op.id,
  });
}

/** The one entry point for starting long-running work. Services call `start`, answer 202 with its result. */
@Injectable()
export class OperationsService {
  private readonly logger = new Logger(OperationsService.name);

  constructor(
    private readonly repo: OperationsRepository,
    private readonly queue: OperationQueue,
    private readonly access: AccessService,
  ) {}

  async start(req: StartOperation): Promise<OperationDto> {
    const payload = req.payload ?? {};
    const requestHash = createHash('sha256')
      .update(JSON.stringify([req.type, req.targetType, req.targetId, payload]))
      .digest('hex');
    if (req.idempotencyKey) {
      const existing = await this.repo.findByIdempotencyKey(req.actorId, req.idempotencyKey);
      if (existing) return this.replay(existing.id, existing.requestHash, requestHash, req.idempotencyKey);
    }
    const id = randomUUID();
    const requestId = req.requestId ?? currentRequestId() ?? null;
    try {
      const busy = await this.repo.insert(
        {
          id,
          type: req.type,
          targetType: req.targetType,
          targetId: req.targetId,
          payload,
          idempotencyKey: req.idempotencyKey ?? null,
          requestHash,
          createdBy: req.actorId,
          requestId,
          ...(req.checkpoint ? { checkpoint: req.checkpoint as JsonObject } : {}),
        },
        req.exclusive && { payload: req.exclusive.payload },
      );
      if (busy) {
        const dto = toOperationDto(busy);
        if ((req.idempotencyKey && dto.idempotency_key === req.idempotencyKey) || req.exclusive?.join?.(dto))
          return dto;
        throw operationInProgress(req.exclusive!.subject, dto);
      }
    } catch (e) {
      if (e instanceof AppError) throw e;
      // Two requests with the same Idempotency-Key raced; the other one won.
      const winner =
        req.idempotencyKey && (await this.repo.findByIdempotencyKey(req.actorId, req.idempotencyKey));
      if (winner) return this.replay(winner.id, winner.requestHash, requestHash, req.idempotencyKey!);
      throw e;
    }
    this.logger.log(
      { operation_id: id, type: req.type, state: 'queued', request_id: requestId },
      `operation ${id} (${req.type}) queued`,
    );
    try {
      await this.queue.add(req.type, id);
    } catch (e) {
      // The row is the source of truth: the worker's recovery sweep queues it once Redis is back.
      this.logger.error(
        { operation_id: id, type: req.type, request_id: requestId },
        `operation ${id} recorded but not queued yet: ${(e as Error).message}`,
      );
    }
    return this.get(id);
  }

  private async replay(id: string, storedHash: string, hash: string, key: string): Promise<OperationDto> {
    if (storedHash !== hash) {
      throw new AppError(
        ErrorCode.IDEMPOTENCY_KEY_REUSED,
        `Idempotency-Key "${key}" was already used for a different request`,
        {
          operation_id: id,
        },
      );
    }
    return this.get(id);
  }

  /** `actor` given: an operation the caller may not see is a 404 like a missing one. */
  async get(id: string, actor?: AuthUser): Promise<OperationDto> {
    const op = await this.repo.findById(id);
    if (!op || (actor && !(await this.maySee(actor, op)))) throw AppError.notFound('operation', id);
    return toOperationDto(op);
  }

  /**
   * A caller sees its own operations, operations on clusters it has `operations.read` on (on a deleted
   * cluster: with that verb on every cluster), and others (key ring) with `settings.manage`.
   */
  private async maySee(actor: AuthUser, op: OperationEntity): Promise<boolean> {
    if (op.createdBy === actor.id) return true;
    if (op.targetType === 'clusters') {
      if (await this.access.everyCluster(actor, Verb.OPERATIONS_READ)) return true;
      return (
        !!op.targetId &&
        (await this.access.decide(actor, Verb.OPERATIONS_READ, { cluster: op.targetId })) === 'allow'
      );
    }
    return (await this.access.decide(actor, Verb.SETTINGS_MANAGE)) === 'allow';
  }

  /**
   * The unfinished operation on a target (a running one before a queued one), or null. `payload` narrows
   * it to operations on a part of the target (e.g. `{pool_id}` of a cluster's node pool).
   */
  async findActive(
    targetType: string,
    targetId: string,
    payload?: Record<string, unknown>,
  ): Promise<OperationDto | null> {
    const op = await this.repo.findActive(targetType, targetId, payload);
    return op ? toOperationDto(op) : null;
  }

  /** The newest operation of `type` on a target with its checkpoint (what a retry resumes from), or null. */
  async latestCheckpoint(
    type: OperationType,
    targetType: string,
    targetId: string,
  ): Promise<{ operation: OperationDto; checkpoint: Record<string, unknown> } | null> {
    const op = await this.repo.findLatest(type, targetType, targetId);
    return op ? { operation: toOperationDto(op), checkpoint: { ...(op.checkpoint ?? {}) } } : null;
  }

  async list(q: OperationQueryDto, actor?: AuthUser): Promise<Page<OperationDto>> {
    const everyCluster = actor ? await this.access.everyCluster(actor, Verb.OPERATIONS_READ) : true;
    const [rows, total] = await this.repo.list({
      visible: actor && {
        me: actor.id,
        clusters: (alias, bind) =>
          everyCluster
            ? Promise.resolve('TRUE')
            : this.access.clusterCondition(actor, alias, bind, Verb.OPERATIONS_READ),
        others: (await this.access.decide(actor, Verb.SETTINGS_MANAGE)) === 'allow',
      },
      type: q.type,
      status: q.status,
      targetType: q.target_type,
      targetId: q.target_id,
      offset: q.offset,
      limit: q.page_size,
    });
    return page(rows.map(toOperationDto), total, q.page, q.page_size);
  }
}
