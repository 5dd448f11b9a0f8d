import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

@Entity('audit_logs')
@Index(['occurredAt'])
export class AuditLogEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' })
  id: string;

  @Column({ name: 'occurred_at', type: 'timestamptz', default: () => 'now()' })
  occurredAt: Date;

  @Column({ name: 'actor_id', type: 'uuid', nullable: true })
  actorId: string | null;

  /** The API token the request acted with; null for a login session. */
  @Column({ name: 'token_id', type: 'uuid', nullable: true })
  tokenId: string | null;

  @Column({ name: 'actor_name', type: 'text' })
  actorName: string;

  @Column({ type: 'text' })
  action: string;

  @Column({ type: 'text' })
  method: string;

  @Column({ type: 'text' })
  path: string;

  @Column({ name: 'target_type', type: 'text', nullable: true })
  targetType: string | null;

  @Column({ name: 'target_id', type: 'text', nullable: true })
  targetId: string | null;

  @Column({ type: 'text' })
  outcome: 'success' | 'failure';

  @Column({ name: 'status_code', type: 'int' })
  statusCode: number;

  @Column({ name: 'error_code', type: 'int', nullable: true })
  errorCode: number | null;

  @Column({ name: 'request_id', type: 'text' })
  requestId: string;

  @Column({ type: 'text', nullable: true })
  ip: string | null;

  /** What a session row records beyond the request (exec: pod, container, command, start, end, bytes). */
  @Column({ type: 'jsonb', nullable: true })
  details?: object | null;
}
