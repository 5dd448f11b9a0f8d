import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { JsonObject } from '../common/json.js';
import { CredentialProvider } from './credential-provider.js';

@Entity('credentials')
@Index(['provider'])
export class CredentialEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ type: 'text', unique: true })
  name: string;

  @Column({ type: 'text' })
  provider: CredentialProvider;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  /** Non-secret settings (endpoint, region, username). */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  settings: JsonObject;

  /** The secret fields as one AES-256-GCM sealed JSON document (see SecretBox). */
  @Column({ name: 'secret_sealed', type: 'text' })
  secretSealed: string;

  /** Masked hints per secret field ("****wxyz"), safe to show. */
  @Column({ name: 'secret_hints', type: 'jsonb', default: () => "'{}'" })
  secretHints: Record<string, string>;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
