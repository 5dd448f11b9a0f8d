import type { OperationDto } from './dto/operation.dto.js';
import type { OperationEntity } from './operation.entity.js';

export function toOperationDto(op: OperationEntity): OperationDto {
  return {
    id: op.id,
    type: op.type,
    status: op.status,
    progress: op.progress,
    message: op.message,
    target_type: op.targetType,
    target_id: op.targetId,
    input: op.payload,
    result: op.result,
    error: op.error,
    idempotency_key: op.idempotencyKey,
    created_by: op.createdBy,
    attempts: op.attempts,
    created_at: op.createdAt.toISOString(),
    updated_at: op.updatedAt.toISOString(),
    started_at: op.startedAt?.toISOString() ?? null,
    finished_at: op.finishedAt?.toISOString() ?? null,
  };
}
