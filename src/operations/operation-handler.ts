import { SetMetadata } from '@nestjs/common';
import type { OperationEntity } from './operation.entity.js';
import type { OperationType } from './operation-types.js';

export const OPERATION_HANDLER = 'berth:operation-handler';

/** What a handler gets: the operation, and ways to report progress and save how far it got. */
export interface OperationContext<P = Record<string, unknown>> {
  readonly operation: OperationEntity;
  readonly payload: P;
  readonly checkpoint: Record<string, unknown>;
  progress(percent: number, message?: string): Promise<void>;
  saveCheckpoint(patch: Record<string, unknown>): Promise<void>;
}

/**
 * A handler does the work of one operation type. It must be resumable: a run can be repeated after a
 * crash, so it reads its checkpoint and skips what is already done instead of doing it twice.
 */
export interface OperationHandler<P = Record<string, unknown>, R = Record<string, unknown> | null> {
  run(ctx: OperationContext<P>): Promise<R>;
}

/** Registers a provider as the handler of `type`. */
export const HandlesOperation = (type: OperationType) => SetMetadata(OPERATION_HANDLER, type);
