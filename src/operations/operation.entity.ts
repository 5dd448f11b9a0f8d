import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { JsonObject } from '../common/json.js';
import { OperationStatus, OperationType } from './operation-types.js';

export interface OperationError {
  code: number;
  message: string;
  details?: JsonObject | null;
}

@Entity('operations')
@Index(['targetType', 'targetId'])
@Index(['status'])
@Index(['createdBy', 'idempotencyKey'], { unique: true, where: 'idempotency_key IS NOT NULL' })
export class OperationEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  type: OperationType;

  @Column({ name: 'target_type', type: 'text' })
  targetType: string;

  @Column({ name: 'target_id', type: 'text', nullable: true })
  targetId: string | null;

  @Column({ type: 'text', default: OperationStatus.QUEUED })
  status: OperationStatus;

  @Column({ type: 'int', default: 0 })
  progress: number;

  @Column({ type: 'text', nullable: true })
  message: string | null;

  /** Input of the operation. Never holds secrets: handlers load those by id. */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  payload: JsonObject;

  /** What a handler has done so far, so that a resumed run continues instead of repeating vendor calls. */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  checkpoint: JsonObject;

  @Column({ type: 'jsonb', nullable: true })
  result: JsonObject | null;

  @Column({ type: 'jsonb', nullable: true })
  error: OperationError | null;

  @Column({ name: 'idempotency_key', type: 'text', nullable: true })
  idempotencyKey: string | null;

  /** sha256 of type + target + payload, to tell a replay from a different request under the same key. */
  @Column({ name: 'request_hash', type: 'text' })
  requestHash: string;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  /** The request id (X-Request-Id) of the API request that started the operation; null when none did. */
  @Column({ name: 'request_id', type: 'text', nullable: true })
  requestId: string | null;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;
}
