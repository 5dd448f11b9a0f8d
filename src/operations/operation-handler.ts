import { SetMetadata } from '@nestjs/common';
import type { OperationEntity } from './operation.entity.js';
import type { OperationType } from './operation-types.js';

export const OPERATION_HANDLER = 'berth:operation-handler';

/**
 * What a handler gets: the operation, and ways to report progress and save how far it got. `C` is the
 * handler's checkpoint: what it saved so far (JSON: every value must survive JSON.stringify).
 */
export interface OperationContext<P = Record<string, unknown>, C extends object = Record<string, unknown>> {
  readonly operation: OperationEntity;
  readonly payload: P;
  readonly checkpoint: Readonly<Partial<C>>;
  progress(percent: number, message?: string): Promise<void>;
  saveCheckpoint(patch: Partial<C>): Promise<void>;
  /**
   * A step done at most once across runs: the value saved under `key` by an earlier run, or `fn`'s
   * value, saved under `key` before it is returned (a crash after `fn` repeats `fn`, so `fn` must be
   * safe to repeat or look before it acts).
   */
  step<K extends keyof C>(key: K, fn: () => Promise<C[K]>): Promise<C[K]>;
}

/**
 * A handler does the work of one operation type. It must be resumable: a run can be repeated after a
 * crash, so it reads its checkpoint and skips what is already done instead of doing it twice.
 */
export interface OperationHandler<
  P = Record<string, unknown>,
  R = Record<string, unknown> | null,
  C extends object = Record<string, unknown>,
> {
  run(ctx: OperationContext<P, C>): Promise<R>;
}

/** Registers a provider as the handler of `type`. */
export const HandlesOperation = (type: OperationType) => SetMetadata(OPERATION_HANDLER, type);
