import { Injectable } from '@nestjs/common';
import { Brackets, DataSource, type Repository } from 'typeorm';
import { escapeLike } from '../common/sql.js';
import { type ClusterEntity as Cluster, ClusterEntity, type ClusterProvider, ClusterStatus } from './cluster.entity.js';

export type ClusterStatusFilter = ClusterStatus | 'stale';

export interface ClusterFilter {
  provider?: ClusterProvider;
  status?: ClusterStatusFilter;
  labels?: Record<string, string>;
  q?: string;
  ids?: string[];
  sort: { field: 'name' | 'created_at' | 'status' | 'version'; desc: boolean };
  staleBefore: Date;
  offset: number;
  limit: number;
}

export type ProbeUpdate = Pick<Cluster, 'status' | 'version' | 'nodeCount' | 'readyNodeCount' | 'latencyMs' | 'lastProbedAt' | 'lastError'>;

const SORT_COLUMNS = { name: 'c.name', created_at: 'c.created_at', status: 'c.status', version: 'c.version' } as const;
const PROBED = [ClusterStatus.ACTIVE, ClusterStatus.UNAVAILABLE];

@Injectable()
export class ClustersRepository {
  private readonly repo: Repository<ClusterEntity>;

  constructor(dataSource: DataSource) {
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
    if (f.provider) q.andWhere('c.provider = :provider', { provider: f.provider });
    if (f.ids?.length) q.andWhere('c.id IN (:...ids)', { ids: f.ids });
    if (f.labels && Object.keys(f.labels).length) q.andWhere('c.labels @> :labels::jsonb', { labels: JSON.stringify(f.labels) });
    if (f.q) {
      const like = `%${escapeLike(f.q)}%`;
      q.andWhere(new Brackets((b) => b.where('c.name ILIKE :like', { like }).orWhere('c.display_name ILIKE :like', { like })));
    }
    if (f.status === 'stale') {
      q.andWhere('c.status IN (:...probed)', { probed: PROBED }).andWhere(
        new Brackets((b) => b.where('c.last_probed_at IS NULL').orWhere('c.last_probed_at < :stale', { stale: f.staleBefore })),
      );
    } else if (f.status && PROBED.includes(f.status)) {
      q.andWhere('c.status = :status AND c.last_probed_at >= :stale', { status: f.status, stale: f.staleBefore });
    } else if (f.status) {
      q.andWhere('c.status = :status', { status: f.status });
    }
    q.orderBy(SORT_COLUMNS[f.sort.field], f.sort.desc ? 'DESC' : 'ASC', 'NULLS LAST').addOrderBy('c.id', 'ASC');
    return q.skip(f.offset).take(f.limit).getManyAndCount();
  }

  /** Clusters Berth can reach (an access is stored), optionally only the given ids, in name order. */
  findReachable(ids?: string[]): Promise<Cluster[]> {
    const q = this.repo.createQueryBuilder('c').where('c.access_sealed IS NOT NULL');
    if (ids?.length) q.andWhere('c.id IN (:...ids)', { ids });
    return q.orderBy('c.name', 'ASC').getMany();
  }

  insert(row: Partial<Cluster> & Pick<Cluster, 'id' | 'name' | 'provider' | 'status'>): Promise<Cluster> {
    return this.repo.save(this.repo.create(row));
  }

  async update(id: string, patch: Partial<Omit<Cluster, 'id' | 'createdAt' | 'updatedAt'>>): Promise<void> {
    await this.repo.update({ id }, patch);
  }

  /** Stores a new access and bumps its version (cached clients of the old one are dropped). */
  async replaceAccess(id: string, patch: Pick<Cluster, 'accessSealed' | 'server' | 'authType'> & Partial<ProbeUpdate>): Promise<void> {
    await this.repo.update({ id }, { ...patch, accessVersion: () => 'access_version + 1' } as never);
  }

  async recordProbe(id: string, probe: ProbeUpdate): Promise<void> {
    await this.repo.update({ id }, probe);
  }

  async delete(id: string): Promise<boolean> {
    const res = await this.repo.delete({ id });
    return (res.affected ?? 0) > 0;
  }
}
