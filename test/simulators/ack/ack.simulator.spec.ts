// Drives the ACK simulator through the official @alicloud/cs20151215 SDK: proves the simulator accepts
// what the SDK sends (ACS3 signatures, snake_case bodies, JSON-string query params) and answers in a
// shape the SDK parses into its typed models and error classes.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Cs, * as $cs from '@alicloud/cs20151215';
import { $OpenApiUtil, ClientError, ServerError, ThrottlingError } from '@alicloud/openapi-core';
import type { RunningSimulator } from '../common/types.js';
import { startAckSimulator } from './simulator.js';

const Client = Cs.default;
type AckClient = InstanceType<typeof Client>;
const TARGET = { name: 't', server: 'https://127.0.0.1:6443', token: 'tok-x', ca_data: 'Y2E=' };

function clientFor(
  sim: RunningSimulator,
  secrets: Partial<Record<'access_key_id' | 'access_key_secret', string>> = {},
): AckClient {
  const s = { ...sim.credential.secrets, ...secrets };
  return new Client(
    new $OpenApiUtil.Config({
      accessKeyId: s.access_key_id,
      accessKeySecret: s.access_key_secret,
      endpoint: String(sim.credential.settings.endpoint).replace(/^https?:\/\//, ''),
      protocol: 'HTTP',
      regionId: String(sim.credential.settings.region_id),
      readTimeout: 5000,
    }),
  );
}

async function until<T>(
  what: string,
  probe: () => Promise<T>,
  done: (v: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function caught(
  p: Promise<unknown>,
): Promise<Error & { code?: string; statusCode?: number; data?: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { code?: string; statusCode?: number };
  }
  throw new Error('expected the call to fail');
}

function createRequest(name: string, desired = 0): $cs.CreateClusterRequest {
  return new $cs.CreateClusterRequest({
    name,
    regionId: 'cn-hangzhou',
    clusterType: 'ManagedKubernetes',
    clusterSpec: 'ack.pro.small',
    kubernetesVersion: '1.31.1-aliyun.1',
    vpcid: 'vpc-sim',
    vswitchIds: ['vsw-a'],
    serviceCidr: '172.21.0.0/20',
    containerCidr: '10.80.0.0/16',
    nodepools: desired
      ? [
          new $cs.Nodepool({
            nodepoolInfo: new $cs.NodepoolNodepoolInfo({ name: 'default' }),
            scalingGroup: new $cs.NodepoolScalingGroup({
              desiredSize: desired,
              instanceTypes: ['ecs.g7.large'],
              vswitchIds: ['vsw-a'],
              instanceChargeType: 'PostPaid',
            }),
          }),
        ]
      : undefined,
  });
}

describe('ACK simulator via @alicloud/cs20151215', () => {
  let sim: RunningSimulator;
  let ack: AckClient;

  beforeAll(async () => {
    sim = await startAckSimulator({ targets: [TARGET], timeScale: 0.1 });
    ack = clientFor(sim);
  });
  afterAll(async () => {
    await sim.close();
  });

  it('hands out a credential in Berth shape', () => {
    expect(sim.vendor).toBe('ack');
    expect(sim.credential.settings).toEqual({ region_id: 'cn-hangzhou', endpoint: sim.url });
    expect(sim.credential.secrets.access_key_id).toMatch(/^LTAI/);
    expect(sim.credential.secrets.access_key_secret.length).toBeGreaterThanOrEqual(30);
  });

  it('runs a full cluster and node pool lifecycle', async () => {
    const created = await ack.createCluster(createRequest('life-1', 1));
    expect(created.statusCode).toBe(200);
    const clusterId = created.body!.clusterId!;
    expect(clusterId).toMatch(/^c[0-9a-f]{32}$/);
    expect(created.body!.taskId).toMatch(/^T-/);
    expect(created.body!.requestId).toBeTruthy();

    const initial = await ack.describeClusterDetail(clusterId);
    expect(initial.body!.state).toBe('initial');
    expect(initial.body!.name).toBe('life-1');
    expect(initial.body!.currentVersion).toBe('1.31.1-aliyun.1');
    expect(initial.body!.regionId).toBe('cn-hangzhou');

    // the kubeconfig is only handed out once the cluster runs
    const early = await caught(
      ack.describeClusterUserKubeconfig(clusterId, new $cs.DescribeClusterUserKubeconfigRequest({})),
    );
    expect(early).toBeInstanceOf(ClientError);
    expect(early.code).toBe('ErrorClusterState');

    const running = await until(
      'cluster running',
      () => ack.describeClusterDetail(clusterId),
      (r) => r.body!.state === 'running',
    );
    expect(running.body!.size).toBe(1);
    expect(running.body!.created).toBeTruthy();
    const createTask = await ack.describeTaskInfo(created.body!.taskId!);
    expect(createTask.body!.state).toBe('success');
    expect(createTask.body!.taskType).toBe('cluster_create');
    expect(createTask.body!.target?.id).toBe(clusterId);

    const kc = await ack.describeClusterUserKubeconfig(
      clusterId,
      new $cs.DescribeClusterUserKubeconfigRequest({ privateIpAddress: false, temporaryDurationMinutes: 60 }),
    );
    expect(kc.body!.config).toContain(`server: ${TARGET.server}`);
    expect(kc.body!.config).toContain(`token: ${TARGET.token}`);
    expect(Date.parse(kc.body!.expiration!)).toBeGreaterThan(Date.now() + 59 * 60_000);

    const modified = await ack.modifyCluster(
      clusterId,
      new $cs.ModifyClusterRequest({ clusterName: 'life-1-renamed' }),
    );
    expect(modified.body!.taskId).toMatch(/^T-/);
    expect((await ack.describeClusterDetail(clusterId)).body!.name).toBe('life-1-renamed');

    // node pool: create with 2 nodes, scale out by 1, list, remove one node
    const np = await ack.createClusterNodePool(
      clusterId,
      new $cs.CreateClusterNodePoolRequest({
        nodepoolInfo: new $cs.CreateClusterNodePoolRequestNodepoolInfo({ name: 'workers' }),
        scalingGroup: new $cs.CreateClusterNodePoolRequestScalingGroup({
          desiredSize: 2,
          instanceTypes: ['ecs.g7.xlarge'],
          vswitchIds: ['vsw-a'],
          instanceChargeType: 'PostPaid',
        }),
      }),
    );
    const poolId = np.body!.nodepoolId!;
    expect(poolId).toMatch(/^np/);
    const poolState = async () =>
      (
        await ack.describeClusterNodePools(clusterId, new $cs.DescribeClusterNodePoolsRequest({}))
      ).body!.nodepools!.find((p) => p.nodepoolInfo?.nodepoolId === poolId)!;
    expect((await poolState()).status!.state).toBe('initial');
    await until('pool active', poolState, (p) => p.status!.state === 'active');
    expect((await ack.describeTaskInfo(np.body!.taskId!)).body!.state).toBe('success');

    const scaled = await ack.scaleClusterNodePool(
      clusterId,
      poolId,
      new $cs.ScaleClusterNodePoolRequest({ count: 1 }),
    );
    expect(scaled.body!.taskId).toBeTruthy();
    expect((await poolState()).status!.state).toBe('scaling');
    const afterScale = await until('pool scaled', poolState, (p) => p.status!.state === 'active');
    expect(afterScale.scalingGroup!.desiredSize).toBe(3);
    expect(afterScale.status!.totalNodes).toBe(3);
    expect(afterScale.nodepoolInfo!.name).toBe('workers');

    const nodes = await ack.describeClusterNodes(
      clusterId,
      new $cs.DescribeClusterNodesRequest({ nodepoolId: poolId, pageSize: '50' }),
    );
    expect(nodes.body!.nodes).toHaveLength(3);
    expect(nodes.body!.page!.totalCount).toBe(3);
    for (const n of nodes.body!.nodes!) {
      expect(n.instanceId).toMatch(/^i-/);
      expect(n.nodepoolId).toBe(poolId);
      expect(n.state).toBe('running');
      expect(n.ipAddress![0]).toMatch(/^192\.168\./);
      expect(n.nodeName).toContain(n.ipAddress![0]);
    }
    expect((await ack.describeClusterDetail(clusterId)).body!.size).toBe(4);

    const victim = nodes.body!.nodes![0].instanceId!;
    const removed = await ack.removeNodePoolNodes(
      clusterId,
      poolId,
      new $cs.RemoveNodePoolNodesRequest({ instanceIds: [victim], releaseNode: true, drainNode: true }),
    );
    expect((await ack.describeTaskInfo(removed.body!.taskId!)).body!.state).toBe('running');
    await until(
      'node removed',
      () => ack.describeTaskInfo(removed.body!.taskId!),
      (t) => t.body!.state === 'success',
    );
    const left = await ack.describeClusterNodes(
      clusterId,
      new $cs.DescribeClusterNodesRequest({ nodepoolId: poolId }),
    );
    expect(left.body!.nodes!.map((n) => n.instanceId)).not.toContain(victim);
    expect((await poolState()).scalingGroup!.desiredSize).toBe(2);

    // absolute size via ModifyClusterNodePool
    await ack.modifyClusterNodePool(
      clusterId,
      poolId,
      new $cs.ModifyClusterNodePoolRequest({
        scalingGroup: new $cs.ModifyClusterNodePoolRequestScalingGroup({ desiredSize: 1 }),
      }),
    );
    const shrunk = await until(
      'pool shrunk',
      poolState,
      (p) => p.status!.state === 'active' && p.status!.totalNodes === 1,
    );
    expect(shrunk.scalingGroup!.desiredSize).toBe(1);

    // deleting a non-empty pool needs force
    const notEmpty = await caught(
      ack.deleteClusterNodepool(clusterId, poolId, new $cs.DeleteClusterNodepoolRequest({})),
    );
    expect(notEmpty.code).toBe('ErrorNodePoolNotEmpty');
    const delPool = await ack.deleteClusterNodepool(
      clusterId,
      poolId,
      new $cs.DeleteClusterNodepoolRequest({ force: true }),
    );
    await until(
      'pool deleted',
      () => ack.describeTaskInfo(delPool.body!.taskId!),
      (t) => t.body!.state === 'success',
    );
    const pools = await ack.describeClusterNodePools(clusterId, new $cs.DescribeClusterNodePoolsRequest({}));
    expect(pools.body!.nodepools!.map((p) => p.nodepoolInfo?.nodepoolId)).not.toContain(poolId);

    const del = await ack.deleteCluster(
      clusterId,
      new $cs.DeleteClusterRequest({
        retainAllResources: false,
        deleteOptions: [
          new $cs.DeleteClusterRequestDeleteOptions({ resourceType: 'SLB', deleteMode: 'delete' }),
        ],
      }),
    );
    expect(del.body!.taskId).toBeTruthy();
    expect((await ack.describeClusterDetail(clusterId)).body!.state).toBe('deleting');
    await until(
      'cluster gone',
      () => ack.describeTaskInfo(del.body!.taskId!),
      (t) => t.body!.state === 'success',
    );
    const gone = await caught(ack.describeClusterDetail(clusterId));
    expect(gone).toBeInstanceOf(ClientError);
    expect(gone.code).toBe('ErrorClusterNotFound');
    expect(gone.statusCode).toBe(404);
  });

  it('rejects a wrong AccessKey secret with SignatureDoesNotMatch and an unknown AccessKeyId with InvalidAccessKeyId.NotFound', async () => {
    const wrongSecret = await caught(
      clientFor(sim, { access_key_secret: 'not-the-secret' }).describeClustersV1(
        new $cs.DescribeClustersV1Request({}),
      ),
    );
    expect(wrongSecret).toBeInstanceOf(ClientError);
    expect(wrongSecret.name).toBe('ClientError');
    expect(wrongSecret.code).toBe('SignatureDoesNotMatch');
    expect(wrongSecret.statusCode).toBe(400);

    const unknownKey = await caught(
      clientFor(sim, { access_key_id: 'LTAInobody' }).describeClustersV1(
        new $cs.DescribeClustersV1Request({}),
      ),
    );
    expect(unknownKey).toBeInstanceOf(ClientError);
    expect(unknownKey.code).toBe('InvalidAccessKeyId.NotFound');
    expect(unknownKey.statusCode).toBe(404);
  });

  it('answers an unknown cluster with ErrorClusterNotFound 404 and an unknown task with ErrorTaskNotFound', async () => {
    const e = await caught(ack.describeClusterDetail('c00000000000000000000000000000000'));
    expect(e).toBeInstanceOf(ClientError);
    expect(e.code).toBe('ErrorClusterNotFound');
    expect(e.statusCode).toBe(404);
    expect(e.data?.requestId).toBeTruthy();
    const t = await caught(ack.describeTaskInfo('T-nope'));
    expect(t.code).toBe('ErrorTaskNotFound');
  });

  it('turns a throttle fault into the SDK ThrottlingError', async () => {
    sim.addFault({ kind: 'throttle', action: 'DescribeClustersV1', count: 1 });
    const e = await caught(ack.describeClustersV1(new $cs.DescribeClustersV1Request({})));
    expect(e).toBeInstanceOf(ThrottlingError);
    expect(e.code).toBe('Throttling.User');
    expect(e.statusCode).toBe(400);
    // count: 1 — the next call goes through
    expect((await ack.describeClustersV1(new $cs.DescribeClustersV1Request({}))).statusCode).toBe(200);
  });

  it('renders an error fault with status 503 as the SDK ServerError', async () => {
    const res = await fetch(`${sim.url}/__sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        kind: 'error',
        action: 'CreateCluster',
        status: 503,
        code: 'ServiceUnavailable',
        count: 1,
      }),
    });
    expect(res.status).toBe(201);
    const e = await caught(ack.createCluster(createRequest('fault-503')));
    expect(e).toBeInstanceOf(ServerError);
    expect(e.code).toBe('ServiceUnavailable');
    expect(e.statusCode).toBe(503);
    const listed = await ack.describeClustersV1(new $cs.DescribeClustersV1Request({ name: 'fault-503' }));
    expect(listed.body!.pageInfo!.totalCount).toBe(0);
  });

  it('fails the task started by a fail-task fault: task state fail with the reason, cluster state failed', async () => {
    sim.addFault({
      kind: 'fail-task',
      action: 'CreateCluster',
      code: 'QuotaExceeded.Vpc',
      message: 'no more VPCs in cn-hangzhou',
      count: 1,
    });
    const created = await ack.createCluster(createRequest('doomed'));
    const task = await until(
      'task done',
      () => ack.describeTaskInfo(created.body!.taskId!),
      (t) => t.body!.state !== 'running',
    );
    expect(task.body!.state).toBe('fail');
    expect(task.body!.error).toMatchObject({
      code: 'QuotaExceeded.Vpc',
      message: 'no more VPCs in cn-hangzhou',
    });
    expect((await ack.describeClusterDetail(created.body!.clusterId!)).body!.state).toBe('failed');
    // the fault fired once: the next cluster provisions normally
    const ok = await ack.createCluster(createRequest('fine'));
    await until(
      'cluster running',
      () => ack.describeClusterDetail(ok.body!.clusterId!),
      (r) => r.body!.state === 'running',
    );
  });

  it('delays the answer with a slow fault', async () => {
    sim.addFault({ kind: 'slow', action: 'DescribeClustersV1', delay_ms: 400, count: 1 });
    const t0 = Date.now();
    const res = await ack.describeClustersV1(new $cs.DescribeClustersV1Request({}));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(380);
    expect(res.statusCode).toBe(200);
    const t1 = Date.now();
    await ack.describeClustersV1(new $cs.DescribeClustersV1Request({}));
    expect(Date.now() - t1).toBeLessThan(380);
  });

  it('pages DescribeClustersV1 and DescribeClusterNodes', async () => {
    for (const i of [1, 2, 3]) await ack.createCluster(createRequest(`pg-${i}`));
    const p1 = await ack.describeClustersV1(
      new $cs.DescribeClustersV1Request({ name: 'pg-', pageSize: 2, pageNumber: 1 }),
    );
    const p2 = await ack.describeClustersV1(
      new $cs.DescribeClustersV1Request({ name: 'pg-', pageSize: 2, pageNumber: 2 }),
    );
    expect(p1.body!.pageInfo).toMatchObject({ pageNumber: 1, pageSize: 2, totalCount: 3 });
    expect(p1.body!.clusters).toHaveLength(2);
    expect(p2.body!.clusters).toHaveLength(1);
    const names = [...p1.body!.clusters!, ...p2.body!.clusters!].map((c) => c.name).sort();
    expect(names).toEqual(['pg-1', 'pg-2', 'pg-3']);
    const bad = await caught(ack.describeClustersV1(new $cs.DescribeClustersV1Request({ pageSize: 500 })));
    expect(bad.code).toBe('InvalidParameter');

    const withNodes = await ack.createCluster(createRequest('pg-nodes', 5));
    const id = withNodes.body!.clusterId!;
    const a = await ack.describeClusterNodes(
      id,
      new $cs.DescribeClusterNodesRequest({ pageSize: '2', pageNumber: '1' }),
    );
    const c = await ack.describeClusterNodes(
      id,
      new $cs.DescribeClusterNodesRequest({ pageSize: '2', pageNumber: '3' }),
    );
    expect(a.body!.page).toMatchObject({ pageNumber: 1, pageSize: 2, totalCount: 5 });
    expect(a.body!.nodes).toHaveLength(2);
    expect(c.body!.nodes).toHaveLength(1);
    expect(a.body!.nodes![0].state).toBe('initial');
  });

  it('gives up on a hang fault after the client readTimeout', async () => {
    sim.addFault({ kind: 'hang', action: 'DescribeClustersV1', count: 1 });
    const impatient = new Client(
      new $OpenApiUtil.Config({
        accessKeyId: sim.credential.secrets.access_key_id,
        accessKeySecret: sim.credential.secrets.access_key_secret,
        endpoint: sim.url.replace('http://', ''),
        protocol: 'HTTP',
        readTimeout: 300,
      }),
    );
    const t0 = Date.now();
    const e = await caught(impatient.describeClustersV1(new $cs.DescribeClustersV1Request({})));
    expect(e.message).toMatch(/ReadTimeout/);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('points kubeconfigs at the placeholder server when it has no targets', async () => {
    const bare = await startAckSimulator({ targets: [], timeScale: 0.02 });
    try {
      const c = clientFor(bare);
      const id = (await c.createCluster(createRequest('bare'))).body!.clusterId!;
      await until(
        'running',
        () => c.describeClusterDetail(id),
        (r) => r.body!.state === 'running',
      );
      const kc = await c.describeClusterUserKubeconfig(id, new $cs.DescribeClusterUserKubeconfigRequest({}));
      expect(kc.body!.config).toContain('server: https://127.0.0.1:1');
    } finally {
      await bare.close();
    }
  });

  it('refuses requests without the fields the SDK models mark required (MissingParameter names the field)', async () => {
    const noVpc = createRequest('req-novpc');
    noVpc.vpcid = undefined;
    expect(await caught(ack.createCluster(noVpc))).toMatchObject({
      code: 'MissingParameter',
      message: expect.stringContaining('vpcid'),
    });
    const noCidr = createRequest('req-nocidr');
    noCidr.containerCidr = undefined;
    expect((await caught(ack.createCluster(noCidr))).message).toContain('container_cidr');
    const pool = createRequest('req-pool', 1);
    pool.nodepools![0].scalingGroup!.instanceChargeType = undefined;
    expect((await caught(ack.createCluster(pool))).message).toContain(
      'nodepools.0.scaling_group.instance_charge_type',
    );
    const created = await ack.createCluster(createRequest('req-ok'));
    const np = await caught(
      ack.createClusterNodePool(
        created.body!.clusterId!,
        new $cs.CreateClusterNodePoolRequest({
          nodepoolInfo: new $cs.CreateClusterNodePoolRequestNodepoolInfo({ name: 'p' }),
          scalingGroup: new $cs.CreateClusterNodePoolRequestScalingGroup({
            desiredSize: 1,
            instanceTypes: ['ecs.g7.large'],
            instanceChargeType: 'PostPaid',
          }),
        }),
      ),
    );
    expect(np.code).toBe('MissingParameter');
  });

  it('records calls with their ACK action names', async () => {
    const res = await fetch(`${sim.url}/__sim/calls`);
    const { calls } = (await res.json()) as { calls: { action?: string }[] };
    const actions = new Set(calls.map((c) => c.action));
    for (const a of [
      'CreateCluster',
      'DescribeClusterDetail',
      'DescribeClustersV1',
      'ScaleClusterNodePool',
      'RemoveNodePoolNodes',
      'DeleteClusterNodepool',
      'DescribeTaskInfo',
    ])
      expect(actions).toContain(a);
  });
});
