import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { JsonObject } from '../common/json.js';
import { CLUSTER_PROVIDER_NAMES, enumOf } from '../providers/vendor-registry.js';

/** Imported (attached by kubeconfig or token), or a cluster vendor of the vendor registry. */
export const ClusterProvider = { IMPORTED: 'imported', ...enumOf(CLUSTER_PROVIDER_NAMES) } as const;
export type ClusterProvider = (typeof ClusterProvider)[keyof typeof ClusterProvider];

/** Stored status. What the API shows may also be "stale" (derived from last_probed_at). */
export enum ClusterStatus {
  ACTIVE = 'active',
  UNAVAILABLE = 'unavailable',
  PROVISIONING = 'provisioning',
  FAILED = 'failed',
  DELETING = 'deleting',
}

@Entity('clusters')
@Index(['provider'])
@Index(['status'])
export class ClusterEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ type: 'text', unique: true })
  name: string;

  @Column({ name: 'display_name', type: 'text', nullable: true })
  displayName: string | null;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ type: 'text' })
  provider: ClusterProvider;

  @Column({ type: 'text' })
  status: ClusterStatus;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  labels: Record<string, string>;

  @Column({ type: 'text', nullable: true })
  city: string | null;

  @Column({ type: 'text', nullable: true })
  district: string | null;

  /** API server URL (not secret). */
  @Column({ type: 'text', nullable: true })
  server: string | null;

  /** How Berth reaches the API server (ClusterAccess), sealed with SecretBox; null while provisioning. */
  @Column({ name: 'access_sealed', type: 'text', nullable: true })
  accessSealed: string | null;

  /** Bumped whenever the access changes: cached clients of older versions are dropped. */
  @Column({ name: 'access_version', type: 'int', default: 1 })
  accessVersion: number;

  @Column({ name: 'auth_type', type: 'text', nullable: true })
  authType: string | null;

  @Column({ type: 'text', nullable: true })
  version: string | null;

  @Column({ name: 'node_count', type: 'int', nullable: true })
  nodeCount: number | null;

  @Column({ name: 'ready_node_count', type: 'int', nullable: true })
  readyNodeCount: number | null;

  @Column({ name: 'latency_ms', type: 'int', nullable: true })
  latencyMs: number | null;

  @Column({ name: 'last_probed_at', type: 'timestamptz', nullable: true })
  lastProbedAt: Date | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  /** When the credential of a vendor cluster's kubeconfig expires (null: not known, or never). */
  @Column({ name: 'credential_expires_at', type: 'timestamptz', nullable: true })
  credentialExpiresAt: Date | null;

  /** When Berth last fetched the vendor cluster's kubeconfig. */
  @Column({ name: 'credential_refreshed_at', type: 'timestamptz', nullable: true })
  credentialRefreshedAt: Date | null;

  /** Vendor clusters: the credential used at the vendor, the region and the vendor's id. */
  @Column({ name: 'credential_id', type: 'uuid', nullable: true })
  credentialId: string | null;

  @Column({ type: 'text', nullable: true })
  region: string | null;

  @Column({ name: 'vendor_cluster_id', type: 'text', nullable: true })
  vendorClusterId: string | null;

  @Column({ name: 'vendor_spec', type: 'jsonb', nullable: true })
  vendorSpec: JsonObject | null;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
