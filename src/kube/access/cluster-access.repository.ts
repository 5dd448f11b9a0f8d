import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ClusterRecord, ProbeColumns } from './cluster-record.js';

const COLUMNS = 'id, name, provider, status, version, labels, access_sealed, access_version';

interface Row {
  id: string;
  name: string;
  provider: string;
  status: string;
  version: string | null;
  labels: Record<string, string> | null;
  access_sealed: string | null;
  access_version: number;
}

const toRecord = (r: Row): ClusterRecord => ({
  id: r.id,
  name: r.name,
  labels: r.labels ?? {},
  provider: r.provider,
  status: r.status,
  version: r.version,
  accessSealed: r.access_sealed,
  accessVersion: Number(r.access_version),
});

/** The new access of a cluster, sealed, with what it reveals in the clear. */
export interface AccessColumns {
  accessSealed: string;
  server: string;
  authType: string;
}

/**
 * SQL over the access columns of the clusters table (the rest of the row belongs to
 * ClustersRepository): reading records for live access, and replacing an access (bumping its version).
 */
@Injectable()
export class ClusterAccessRepository {
  constructor(private readonly ds: DataSource) {}

  async findById(id: string): Promise<ClusterRecord | null> {
    const rows = (await this.ds.query(`SELECT ${COLUMNS} FROM clusters WHERE id = $1`, [id])) as Row[];
    return rows.length ? toRecord(rows[0]) : null;
  }

  /** Clusters Berth can reach (an access is stored), in name order. */
  async findReachable(): Promise<ClusterRecord[]> {
    const rows = (await this.ds.query(
      `SELECT ${COLUMNS} FROM clusters WHERE access_sealed IS NOT NULL ORDER BY name ASC`,
    )) as Row[];
    return rows.map(toRecord);
  }

  /** Stores a new access with the probe that verified it, and bumps the access version. */
  async replace(id: string, access: AccessColumns, status: string, probe: ProbeColumns): Promise<void> {
    const set: [string, unknown][] = [
      ['access_sealed', access.accessSealed],
      ['server', access.server],
      ['auth_type', access.authType],
      ['status', status],
      ['latency_ms', probe.latencyMs],
      ['last_probed_at', probe.lastProbedAt],
      ['last_error', probe.lastError],
    ];
    if (probe.version !== undefined) set.push(['version', probe.version]);
    if (probe.nodeCount !== undefined) set.push(['node_count', probe.nodeCount]);
    if (probe.readyNodeCount !== undefined) set.push(['ready_node_count', probe.readyNodeCount]);
    const assignments = set.map(([column], i) => `${column} = $${i + 2}`).join(', ');
    await this.ds.query(
      `UPDATE clusters SET ${assignments}, access_version = access_version + 1, updated_at = now() WHERE id = $1`,
      [id, ...set.map(([, value]) => value)],
    );
  }
}
