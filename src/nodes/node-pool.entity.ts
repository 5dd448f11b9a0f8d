import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type NodePoolStatus = 'provisioning' | 'active' | 'scaling' | 'updating' | 'deleting' | 'failed';

/** A vendor node pool, kept in step with what the vendor reports (sizes, state). */
@Entity('node_pools')
export class NodePoolEntity {
  @PrimaryColumn('uuid') id: string;
  @Column({ name: 'cluster_id', type: 'uuid' }) clusterId: string;
  @Column({ type: 'text' }) provider: string;
  @Column({ name: 'vendor_pool_id', type: 'text', nullable: true }) vendorPoolId: string | null;
  @Column({ type: 'text' }) name: string;
  @Column({ type: 'text' }) status: NodePoolStatus;
  @Column({ name: 'desired_size', type: 'int', default: 0 }) desiredSize: number;
  @Column({ name: 'total_nodes', type: 'int', default: 0 }) totalNodes: number;
  @Column({ name: 'ready_nodes', type: 'int', default: 0 }) readyNodes: number;
  @Column({ name: 'instance_types', type: 'jsonb', default: () => "'[]'" }) instanceTypes: string[];
  @Column({ type: 'jsonb', nullable: true }) autoscaling: {
    enabled: boolean;
    min_size: number;
    max_size: number;
  } | null;
  @Column({ name: 'last_error', type: 'text', nullable: true }) lastError: string | null;
  @Column({ name: 'synced_at', type: 'timestamptz', nullable: true }) syncedAt: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
