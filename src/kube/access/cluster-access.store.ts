import { Injectable, type OnModuleInit } from '@nestjs/common';
import { AppError } from '../../common/app-error.js';
import { SealedStores } from '../../common/crypto/sealed-stores.js';
import { SecretBox } from '../../common/crypto/secret-box.js';
import { ErrorCode } from '../../common/error-codes.js';
import type { ClusterAccess } from '../client/cluster-access.js';
import { ClusterClientPool } from '../client/cluster-client.pool.js';
import { type AccessColumns, ClusterAccessRepository } from './cluster-access.repository.js';
import type { ProbeResult } from './cluster-prober.js';
import { type ClusterRecord, PROBED_STATUS, probeColumns } from './cluster-record.js';

/** Live reads look a cluster up on every call; a record this young is reused (other instances see changes within it). */
const RECORD_TTL_MS = 2000;
const MAX_RECORDS = 10_000;

/** The encryption context of a cluster's sealed access (the one place it is spelled; SealedStores re-seals "<table>:<id>"). */
const sealContext = (id: string) => `clusters:${id}`;

/**
 * The only code that seals and opens a cluster's credential and bumps its access version, and the
 * owner of this instance's reused copies of cluster records (single records and the reachable set).
 * Every write of a cluster row reports here (`changed`, `removed`), so the copies and the pooled
 * clients are invalidated in one place, never by hand.
 */
@Injectable()
export class ClusterAccessStore implements OnModuleInit {
  private readonly recent = new Map<string, { at: number; record: ClusterRecord }>();
  private reachable?: { at: number; records: ClusterRecord[] };

  constructor(
    private readonly repo: ClusterAccessRepository,
    private readonly box: SecretBox,
    private readonly stores: SealedStores,
    private readonly pool: ClusterClientPool,
  ) {}

  onModuleInit(): void {
    this.stores.register('clusters', 'access_sealed');
  }

  /** A cluster's record (reused for a moment once it has an access); 404 when there is none. */
  async record(id: string): Promise<ClusterRecord> {
    const hit = this.recent.get(id);
    if (hit && Date.now() - hit.at < RECORD_TTL_MS) return hit.record;
    const record = await this.repo.findById(id);
    if (!record) throw AppError.notFound('cluster', id);
    // Only reachable records are reused: one still provisioning must be seen the moment it turns active.
    if (record.accessSealed) this.recent.set(id, { at: Date.now(), record });
    if (this.recent.size > MAX_RECORDS) this.recent.clear();
    return record;
  }

  /** Every cluster with a stored access, in name order (reused as briefly as single records are). */
  async reachableRecords(): Promise<ClusterRecord[]> {
    if (!this.reachable || Date.now() - this.reachable.at >= RECORD_TTL_MS) {
      this.reachable = { at: Date.now(), records: await this.repo.findReachable() };
    }
    return this.reachable.records;
  }

  /** The sealed columns of a new record's access (a record inserted with them starts at access version 1). */
  seal(id: string, access: ClusterAccess): AccessColumns {
    return {
      accessSealed: this.box.sealJson(access, sealContext(id)),
      server: access.server,
      authType: access.auth.type,
    };
  }

  open(record: Pick<ClusterRecord, 'id'> & { accessSealed: string }): ClusterAccess {
    try {
      return this.box.openJson<ClusterAccess>(record.accessSealed, sealContext(record.id));
    } catch (e) {
      throw new AppError(
        ErrorCode.SECRET_UNREADABLE,
        `The credential of cluster ${record.id} cannot be decrypted: ${(e as Error).message}`,
      );
    }
  }

  /**
   * Replaces a cluster's access with one a probe has verified (ClusterAccessVerifier): sealed, version
   * bumped, status and probe columns from the probe. Clients of the old access are dropped.
   */
  async replace(id: string, access: ClusterAccess, probe: ProbeResult): Promise<void> {
    await this.repo.replace(
      id,
      this.seal(id, access),
      probe.ok ? PROBED_STATUS.ok : PROBED_STATUS.failed,
      probeColumns(probe),
    );
    this.removed(id);
  }

  /** A cluster row was inserted or changed: this instance's copies of it are stale. */
  changed(id: string): void {
    this.recent.delete(id);
    this.reachable = undefined;
  }

  /** A cluster row was deleted or its access replaced: its copies and its pooled client go. */
  removed(id: string): void {
    this.changed(id);
    this.pool.drop(id);
  }
}
