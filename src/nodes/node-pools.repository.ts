import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, In, IsNull, Not } from 'typeorm';
import type { VendorNode, VendorNodePool } from '../providers/cluster-provider.js';
import { NodePoolEntity } from './node-pool.entity.js';
import { NodeEntity } from './node.entity.js';

/** SQL for node pools and their nodes; `sync` writes what the vendor reported in one transaction. */
@Injectable()
export class NodePoolsRepository {
  constructor(private readonly ds: DataSource) {}

  private get pools() {
    return this.ds.getRepository(NodePoolEntity);
  }

  private get nodes() {
    return this.ds.getRepository(NodeEntity);
  }

  listPools(clusterId: string): Promise<NodePoolEntity[]> {
    return this.pools.find({ where: { clusterId }, order: { name: 'ASC' } });
  }

  findPool(clusterId: string, id: string): Promise<NodePoolEntity | null> {
    return this.pools.findOne({ where: { clusterId, id } });
  }

  findPoolByName(clusterId: string, name: string): Promise<NodePoolEntity | null> {
    return this.pools.findOne({ where: { clusterId, name } });
  }

  insertPool(
    row: Partial<NodePoolEntity> & Pick<NodePoolEntity, 'id' | 'clusterId' | 'provider' | 'name' | 'status'>,
  ): Promise<NodePoolEntity> {
    return this.pools.save(this.pools.create(row));
  }

  async updatePool(
    id: string,
    patch: Partial<Omit<NodePoolEntity, 'id' | 'createdAt' | 'updatedAt'>>,
  ): Promise<void> {
    await this.pools.update({ id }, patch);
  }

  async deletePool(id: string): Promise<void> {
    await this.pools.delete({ id });
  }

  listNodes(clusterId: string): Promise<NodeEntity[]> {
    return this.nodes.find({ where: { clusterId }, order: { nodeName: 'ASC' } });
  }

  findNodeByName(clusterId: string, nodeName: string): Promise<NodeEntity | null> {
    return this.nodes.findOne({
      where: [
        { clusterId, nodeName },
        { clusterId, instanceId: nodeName },
      ],
    });
  }

  /**
   * Makes the records say what the vendor says: pools matched by vendor id (a pool Berth is still
   * creating, without one yet, is kept), nodes by instance id; what the vendor no longer reports goes.
   */
  async sync(
    clusterId: string,
    provider: string,
    pools: VendorNodePool[],
    nodes: VendorNode[],
  ): Promise<void> {
    await this.ds.transaction(async (m) => {
      const poolRepo = m.getRepository(NodePoolEntity);
      const nodeRepo = m.getRepository(NodeEntity);
      const now = new Date();
      const existing = await poolRepo.find({ where: { clusterId } });
      const byVendor = new Map(existing.filter((p) => p.vendorPoolId).map((p) => [p.vendorPoolId!, p]));
      const idOf = new Map<string, string>();
      for (const v of pools) {
        const row = byVendor.get(v.id) ?? existing.find((p) => !p.vendorPoolId && p.name === v.name);
        const fields = {
          vendorPoolId: v.id,
          name: v.name,
          status: v.phase,
          desiredSize: v.desired_size,
          totalNodes: v.total_nodes,
          readyNodes: v.ready_nodes,
          instanceTypes: v.instance_types,
          autoscaling: v.autoscaling,
          syncedAt: now,
        };
        if (row) {
          await poolRepo.update({ id: row.id }, fields);
          idOf.set(v.id, row.id);
        } else {
          const id = randomUUID();
          await poolRepo.save(poolRepo.create({ id, clusterId, provider, ...fields }));
          idOf.set(v.id, id);
        }
      }
      const reported = pools.map((p) => p.id);
      await poolRepo.delete({ clusterId, vendorPoolId: reported.length ? Not(In(reported)) : Not(IsNull()) });
      const known = await nodeRepo.find({ where: { clusterId } });
      const byInstance = new Map(known.map((n) => [n.instanceId, n]));
      for (const n of nodes) {
        const fields = {
          poolId: n.pool_id ? (idOf.get(n.pool_id) ?? null) : null,
          nodeName: n.node_name || null,
          ip: n.ip,
          state: n.state,
          syncedAt: now,
        };
        const row = byInstance.get(n.instance_id);
        if (row) await nodeRepo.update({ id: row.id }, fields);
        else
          await nodeRepo.save(
            nodeRepo.create({ id: randomUUID(), clusterId, provider, instanceId: n.instance_id, ...fields }),
          );
      }
      const instances = nodes.map((n) => n.instance_id);
      if (instances.length) await nodeRepo.delete({ clusterId, instanceId: Not(In(instances)) });
      else await nodeRepo.delete({ clusterId });
    });
  }
}
