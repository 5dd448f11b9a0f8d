import type { AppError } from '../../common/app-error.js';
import type { KubeClient } from '../client/kube-client.js';
import type { ProbeResult } from './cluster-prober.js';

/**
 * What the access module knows of a cluster record: who it is, its state and its sealed access. A row
 * of the clusters table (owned by src/clusters); src/kube reads only these columns and writes only the
 * access columns (through ClusterAccessStore).
 */
export interface ClusterRecord {
  id: string;
  name: string;
  provider: string;
  status: string;
  /** Kubernetes version from the last probe. */
  version: string | null;
  /** The record's labels (grants with a cluster selector match on them). */
  labels?: Record<string, string>;
  /** How Berth reaches the API server (ClusterAccess), sealed; null while provisioning. */
  accessSealed: string | null;
  /** Bumped whenever the access changes: pooled clients of older versions are rebuilt. */
  accessVersion: number;
}

/** A cluster Berth can talk to, with its client (or why it has none). */
export interface ClusterTarget {
  cluster: ClusterRecord;
  client?: KubeClient;
  error?: AppError;
}

/** The stored statuses a probe decides between. */
export const PROBED_STATUS = { ok: 'active', failed: 'unavailable' } as const;

/** The columns a probe result writes (besides status). */
export interface ProbeColumns {
  version?: string;
  nodeCount?: number | null;
  readyNodeCount?: number | null;
  latencyMs: number;
  lastProbedAt: Date;
  lastError: string | null;
}

export function probeColumns(probe: ProbeResult): ProbeColumns {
  return probe.ok
    ? {
        version: probe.version,
        nodeCount: probe.nodeCount,
        readyNodeCount: probe.readyNodeCount,
        latencyMs: probe.latencyMs,
        lastProbedAt: new Date(),
        lastError: null,
      }
    : { latencyMs: probe.latencyMs, lastProbedAt: new Date(), lastError: probe.error.message };
}
