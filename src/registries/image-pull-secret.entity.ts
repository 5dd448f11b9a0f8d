import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * Which registry robot account backs which image pull Secret in a cluster. The robot's secret is
 * never stored: it lives only in the cluster's Secret.
 */
@Entity('image_pull_secrets')
@Index(['clusterId', 'namespace', 'secretName'], { unique: true })
@Index(['registryId'])
export class ImagePullSecretEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'cluster_id', type: 'uuid' })
  clusterId: string;

  @Column({ type: 'text' })
  namespace: string;

  @Column({ name: 'secret_name', type: 'text' })
  secretName: string;

  @Column({ name: 'registry_id', type: 'uuid' })
  registryId: string;

  @Column({ type: 'text' })
  project: string;

  @Column({ name: 'robot_id', type: 'text' })
  robotId: string;

  @Column({ name: 'robot_name', type: 'text' })
  robotName: string;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
