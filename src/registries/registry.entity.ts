import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export enum RegistryProviderName {
  HARBOR = 'harbor',
}

/** An image registry Berth manages: where it is and which stored credential opens it. */
@Entity('registries')
@Index(['provider'])
export class RegistryEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ type: 'text', unique: true })
  name: string;

  @Column({ type: 'text' })
  provider: RegistryProviderName;

  /** API and pull endpoint, e.g. https://harbor.example.com (its host is what image references use). */
  @Column({ type: 'text' })
  endpoint: string;

  @Column({ name: 'credential_id', type: 'uuid' })
  credentialId: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
