import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A vendor instance backing a Kubernetes node (the node itself is read live from Kubernetes). */
@Entity('nodes')
export class NodeEntity {
  @PrimaryColumn('uuid') id: string;
  @Column({ name: 'cluster_id', type: 'uuid' }) clusterId: string;
  @Column({ name: 'pool_id', type: 'uuid', nullable: true }) poolId: string | null;
  @Column({ type: 'text' }) provider: string;
  @Column({ name: 'instance_id', type: 'text' }) instanceId: string;
  @Column({ name: 'node_name', type: 'text', nullable: true }) nodeName: string | null;
  @Column({ type: 'text', nullable: true }) ip: string | null;
  @Column({ type: 'text' }) state: string;
  @Column({ name: 'synced_at', type: 'timestamptz', nullable: true }) syncedAt: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
