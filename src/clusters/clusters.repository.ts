import type { Bind } from '../access/label-selector.js';
import { Injectable } from '@nestjs/common';
import { Brackets, DataSource, type Repository } from 'typeorm';
import { escapeLike } from '../common/sql.js';
import { ClusterAccessStore } from '../kube/access/cluster-access.store.js';
import type { ProbeColumns } from '../kube/access/cluster-record.js';
import {
  type ClusterEntity as Cluster,
  ClusterEntity,
  type ClusterProvider,
  ClusterStatus,
} from './cluster.entity.js';

export type ClusterStatusFilter = ClusterStatus | 'stale';

export interface ClusterFilter {
  provider?: ClusterProvider;
  status?: ClusterStatusFilter;
  labels?: Record<string, string>;
  /** The caller's visibility as a SQL condition (AccessService.clusterCondition). */
  visible?: (alias: string, bind: Bind) => Promise<string>;
  q?: string;
  sort: { field: 'name' | 'created_at' | 'status' | 'version'; desc: boolean };
  staleBefore: Date;
  offset: number;
  limit: number;
}

export type ProbeUpdate = ProbeColumns & { status: ClusterStatus };

const SORT_COLUMNS = {
  name: 'c.name',
  created_at: 'c.created_at',
  status: 'c.status',
  version: 'c.version',
} as const;
const PROBED = [ClusterStatus.ACTIVE, ClusterStatus.UNAVAILABLE];

/**
 * SQL for cluster records. The access columns are written by ClusterAccessStore (src/kube/access);
 * every write here tells that store, so this instance's reused copies and pooled clients follow.
 */
@Injectable()
export class ClustersRepository {
  private readonly repo: Repository<ClusterEntity>;

  constructor(
    dataSource: DataSource,
    private readonly access: ClusterAccessStore,
  ) {
    this.repo = dataSource.getRepository(ClusterEntity);
  }

  findById(id: string): Promise<Cluster | null> {
    return this.repo.findOneBy({ id });
  }

  findByName(name: string): Promise<Cluster | null> {
    return this.repo.findOneBy({ name });
  }

  async list(f: ClusterFilter): Promise<[Cluster[], number]> {
    const q = this.repo.createQueryBuilder('c');
    if (f.visible) {
      let n = 0;
      const cond = await f.visible('c', (v) => {
        const name = `acl${n++}`;
        q.setParameter(name, v);
        return `:${name}`;
      });
      if (cond !== 'TRUE') q.andWhere(`(${cond})`);
    }
    if (f.provider) q.andWhere('c.provider = :provider', { provider: f.provider });
    if (f.labels && Object.keys(f.labels).length)
      q.andWhere('c.labels @> :labels::jsonb', { labels: JSON.stringify(f.labels) });
    if (f.q) {
      const like = `%${escapeLike(f.q)}%`;
      q.andWhere(
        new Brackets((b) =>
          b.where('c.name ILIKE :like', { like }).orWhere('c.display_name ILIKE :like', { like }),
        ),
      );
    }
    if (f.status === 'stale') {
      q.andWhere('c.status IN (:...probed)', { probed: PROBED }).andWhere(
        new Brackets((b) =>
          b.where('c.last_probed_at IS NULL').orWhere('c.last_probed_at < :stale', { stale: f.staleBefore }),
        ),
      );
    } else if (f.status && PROBED.includes(f.status)) {
      q.andWhere('c.status = :status AND c.last_probed_at >= :stale', {
        status: f.status,
        stale: f.staleBefore,
      });
    } else if (f.status) {
      q.andWhere('c.status = :status', { status: f.status });
    }
    q.orderBy(SORT_COLUMNS[f.sort.field], f.sort.desc ? 'DESC' : 'ASC', 'NULLS LAST').addOrderBy(
      'c.id',
      'ASC',
    );
    return q.skip(f.offset).take(f.limit).getManyAndCount();
  }

  /** Clusters Berth can reach (an access is stored), in name order (the health sweep). */
  findReachable(): Promise<Cluster[]> {
    return this.repo
      .createQueryBuilder('c')
      .where('c.access_sealed IS NOT NULL')
      .orderBy('c.name', 'ASC')
      .getMany();
  }

  /** A new record; its access, if any, comes sealed from ClusterAccessStore.seal. */
  async insert(
    row: Partial<Cluster> & Pick<Cluster, 'id' | 'name' | 'provider' | 'status'>,
  ): Promise<Cluster> {
    const saved = await this.repo.save(this.repo.create(row));
    this.access.changed(row.id);
    return saved;
  }

  /** Changes record fields (never the access: see ClusterAccessStore.replace). */
  async update(
    id: string,
    patch: Partial<
      Omit<Cluster, 'id' | 'createdAt' | 'updatedAt' | 'accessSealed' | 'accessVersion' | 'authType'>
    >,
  ): Promise<void> {
    await this.repo.update({ id }, patch);
    this.access.changed(id);
  }

  /** Vendor clusters whose stored credential expires before `before` (soonest first). */
  findCredentialsExpiringBefore(before: Date): Promise<Cluster[]> {
    return this.repo
      .createQueryBuilder('c')
      .where('c.credential_expires_at IS NOT NULL AND c.credential_expires_at < :before', { before })
      .andWhere("c.provider <> 'imported' AND c.access_sealed IS NOT NULL")
      .orderBy('c.credential_expires_at', 'ASC')
      .limit(500)
      .getMany();
  }

  async recordProbe(id: string, probe: ProbeUpdate): Promise<void> {
    await this.repo.update({ id }, probe);
  }

  async delete(id: string): Promise<boolean> {
    const res = await this.repo.delete({ id });
    this.access.removed(id);
    return (res.affected ?? 0) > 0;
  }
}
