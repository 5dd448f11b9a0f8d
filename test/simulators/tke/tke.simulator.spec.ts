// Drives the TKE simulator through the official tencentcloud-sdk-nodejs-tke SDK: proves the simulator
// accepts what the SDK sends (TC3 signatures, PascalCase JSON, JSON-string node pool params) and answers
// in the {"Response": …} shape the SDK unwraps and turns into TencentCloudSDKHttpException.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { tke } from 'tencentcloud-sdk-nodejs-tke';
import type { RunningSimulator } from '../common/types.js';
import { startTkeSimulator } from './simulator.js';

const TkeClient = tke.v20180525.Client;
type Tke = InstanceType<typeof TkeClient>;
// The SDK's typings mark every InstanceAdvancedSettings field required; the API does not.
const ADVANCED = {} as Parameters<Tke['CreateClusterNodePool']>[0]['InstanceAdvancedSettings'];
const TARGET = { name: 't', server: 'https://127.0.0.1:6443', token: 'tok-x', ca_data: 'Y2E=' };

function clientFor(
  sim: RunningSimulator,
  secrets: Partial<Record<'secret_id' | 'secret_key', string>> = {},
  region = String(sim.credential.settings.region),
): Tke {
  const s = { ...sim.credential.secrets, ...secrets };
  const u = new URL(String(sim.credential.settings.endpoint));
  return new TkeClient({
    credential: { secretId: s.secret_id, secretKey: s.secret_key },
    region,
    profile: { httpProfile: { endpoint: u.host, protocol: `${u.protocol}//`, reqTimeout: 10 } },
  });
}

type SdkError = Error & { code?: string; requestId?: string; httpCode?: number };
async function caught(p: Promise<unknown>): Promise<SdkError> {
  try {
    await p;
  } catch (e) {
    return e as SdkError;
  }
  throw new Error('expected the call to fail');
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

const createCluster = (t: Tke, name: string) =>
  t.CreateCluster({
    ClusterType: 'MANAGED_CLUSTER',
    ClusterCIDRSettings: { ClusterCIDR: '172.20.0.0/16', ServiceCIDR: '172.21.0.0/20', MaxNodePodNum: 64 },
    ClusterBasicSettings: {
      ClusterName: name,
      ClusterVersion: '1.30.0',
      VpcId: 'vpc-sim',
      TagSpecification: [{ ResourceType: 'cluster', Tags: [{ Key: 'owner', Value: 'berth' }] }],
    },
  });

describe('TKE simulator via tencentcloud-sdk-nodejs-tke', () => {
  let sim: RunningSimulator;
  let t: Tke;

  beforeAll(async () => {
    // the SDK sends through process.env.http_proxy when it is set
    delete process.env.http_proxy;
    delete process.env.https_proxy;
    delete process.env.HTTP_PROXY;
    delete process.env.HTTPS_PROXY;
    // 0.25: the "Creating" window (1 s) outlasts a create call on a loaded machine
    sim = await startTkeSimulator({ targets: [TARGET], timeScale: 0.25 });
    t = clientFor(sim);
  });
  afterAll(async () => {
    await sim.close();
  });

  const status = async (id: string) =>
    (await t.DescribeClusters({ ClusterIds: [id] })).Clusters?.[0]?.ClusterStatus;

  it('hands out a credential in Berth shape', () => {
    expect(sim.vendor).toBe('tke');
    expect(sim.credential.settings).toEqual({ region: 'ap-guangzhou', endpoint: sim.url });
    expect(sim.credential.secrets.secret_id).toMatch(/^AKID/);
    expect(sim.credential.secrets.secret_key.length).toBeGreaterThanOrEqual(32);
  });

  it('runs a full cluster and node pool lifecycle', async () => {
    const created = await createCluster(t, 'life-1');
    const id = created.ClusterId!;
    expect(id).toMatch(/^cls-[a-z0-9]{8}$/);
    expect(created.RequestId).toBeTruthy();
    expect(await status(id)).toBe('Creating');

    const early = await caught(t.DescribeClusterKubeconfig({ ClusterId: id }));
    expect(early.code).toBe('ResourceUnavailable.ClusterState');

    await until(
      'Running',
      () => status(id),
      (s) => s === 'Running',
    );
    const described = (await t.DescribeClusters({ ClusterIds: [id] })).Clusters![0];
    expect(described).toMatchObject({
      ClusterName: 'life-1',
      ClusterVersion: '1.30.0',
      ClusterType: 'MANAGED_CLUSTER',
      ClusterNodeNum: 0,
    });
    expect(described.ClusterNetworkSettings).toMatchObject({
      ClusterCIDR: '172.20.0.0/16',
      ServiceCIDR: '172.21.0.0/20',
      VpcId: 'vpc-sim',
    });
    const st = await t.DescribeClusterStatus({ ClusterIds: [id] });
    expect(st.ClusterStatusSet![0]).toMatchObject({
      ClusterId: id,
      ClusterState: 'Running',
      ClusterInstanceState: 'AllNormal',
    });

    // No endpoint enabled yet: the kubeconfig names the cluster's default domain, reachable from nowhere.
    const closed = await t.DescribeClusterKubeconfig({ ClusterId: id, IsExtranet: false });
    expect(closed.Kubeconfig).toContain(`server: https://${id}.ccs.tencent-cloud.com`);
    expect((await t.DescribeClusterEndpointStatus({ ClusterId: id })).Status).toBe('NotFound');
    const noSubnet = await caught(t.CreateClusterEndpoint({ ClusterId: id, IsExtranet: false }));
    expect(noSubnet.code).toBe('MissingParameter');
    await t.CreateClusterEndpoint({ ClusterId: id, IsExtranet: false, SubnetId: 'subnet-a' });
    expect((await t.DescribeClusterEndpointStatus({ ClusterId: id })).Status).toBe('Creating');
    await until(
      'endpoint Created',
      async () => (await t.DescribeClusterEndpointStatus({ ClusterId: id, IsExtranet: false })).Status,
      (s) => s === 'Created',
    );
    expect((await t.DescribeClusterEndpoints({ ClusterId: id })).ClusterIntranetSubnetId).toBe('subnet-a');
    const kc = await t.DescribeClusterKubeconfig({ ClusterId: id, IsExtranet: false });
    expect(kc.Kubeconfig).toContain(`server: ${TARGET.server}`);
    expect(kc.Kubeconfig).toContain(`token: ${TARGET.token}`);
    // The external endpoint is a separate one, still closed.
    expect((await t.DescribeClusterKubeconfig({ ClusterId: id, IsExtranet: true })).Kubeconfig).toContain(
      '.ccs.tencent-cloud.com',
    );

    const mod = await t.ModifyClusterAttribute({
      ClusterId: id,
      ClusterName: 'life-1b',
      ClusterDesc: 'renamed',
    });
    expect(mod.ClusterName).toBe('life-1b');
    expect((await t.DescribeClusters({ ClusterIds: [id] })).Clusters![0].ClusterDescription).toBe('renamed');

    // node pool: JSON-string ASG/launch parameters, desired 2
    const np = await t.CreateClusterNodePool({
      ClusterId: id,
      Name: 'workers',
      AutoScalingGroupPara: JSON.stringify({
        MinSize: 0,
        MaxSize: 5,
        DesiredCapacity: 2,
        VpcId: 'vpc-sim',
        SubnetIds: ['subnet-a'],
      }),
      LaunchConfigurePara: JSON.stringify({
        InstanceType: 'SA2.MEDIUM4',
        SystemDisk: { DiskType: 'CLOUD_PREMIUM', DiskSize: 50 },
      }),
      InstanceAdvancedSettings: ADVANCED,
      EnableAutoscale: false,
      Labels: [{ Name: 'role', Value: 'worker' }],
    });
    const poolId = np.NodePoolId!;
    expect(poolId).toMatch(/^np-/);
    const poolOf = async () =>
      (await t.DescribeClusterNodePools({ ClusterId: id })).NodePoolSet!.find(
        (p) => p.NodePoolId === poolId,
      )!;
    expect((await poolOf()).LifeState).toBe('creating');
    const normal = await until('pool normal', poolOf, (p) => p.LifeState === 'normal');
    expect(normal).toMatchObject({
      Name: 'workers',
      DesiredNodesNum: 2,
      MinNodesNum: 0,
      MaxNodesNum: 5,
      ClusterInstanceId: id,
    });
    expect(normal.NodeCountSummary!.AutoscalingAdded!.Normal).toBe(2);

    await t.ModifyNodePoolDesiredCapacityAboutAsg({ ClusterId: id, NodePoolId: poolId, DesiredCapacity: 4 });
    expect((await poolOf()).LifeState).toBe('updating');
    expect(await status(id)).toBe('Scaling');
    await until('pool scaled', poolOf, (p) => p.LifeState === 'normal');
    expect(await status(id)).toBe('Running');

    const ins = await t.DescribeClusterInstances({
      ClusterId: id,
      Filters: [{ Name: 'nodepool-id', Values: [poolId] }],
      Limit: 100,
    });
    expect(ins.TotalCount).toBe(4);
    for (const i of ins.InstanceSet!) {
      expect(i.InstanceId).toMatch(/^ins-/);
      expect(i).toMatchObject({ InstanceRole: 'WORKER', InstanceState: 'running', NodePoolId: poolId });
      expect(i.LanIP).toMatch(/^10\.0\./);
    }
    expect((await t.DescribeClusters({ ClusterIds: [id] })).Clusters![0].ClusterNodeNum).toBe(4);

    const victim = ins.InstanceSet![0].InstanceId!;
    const del = await t.DeleteClusterInstances({
      ClusterId: id,
      InstanceIds: [victim, 'ins-nothere'],
      InstanceDeleteMode: 'terminate',
    });
    expect(del).toMatchObject({
      SuccInstanceIds: [victim],
      FailedInstanceIds: [],
      NotFoundInstanceIds: ['ins-nothere'],
    });
    const after = await t.DescribeClusterInstances({ ClusterId: id, InstanceIds: [victim] });
    expect(after.TotalCount).toBe(0);
    expect((await poolOf()).DesiredNodesNum).toBe(3);

    await t.DeleteClusterNodePool({ ClusterId: id, NodePoolIds: [poolId], KeepInstance: false });
    expect((await poolOf()).LifeState).toBe('deleting');
    await until(
      'pool gone',
      () => t.DescribeClusterNodePools({ ClusterId: id }),
      (r) => r.TotalCount === 0,
    );
    expect((await t.DescribeClusterInstances({ ClusterId: id })).TotalCount).toBe(0);

    await t.DeleteCluster({ ClusterId: id, InstanceDeleteMode: 'terminate' });
    expect(await status(id)).toBe('Deleting');
    await until(
      'cluster gone',
      () => t.DescribeClusters({ ClusterIds: [id] }),
      (r) => r.TotalCount === 0,
    );
    const gone = await caught(t.DescribeClusterKubeconfig({ ClusterId: id }));
    expect(gone.code).toBe('ResourceNotFound.ClusterNotFound');
  });

  it('rejects a wrong SecretKey, an unknown SecretId and an expired timestamp as HTTP 200 AuthFailure.*', async () => {
    const wrong = await caught(clientFor(sim, { secret_key: 'not-the-key' }).DescribeClusters({}));
    expect(wrong.constructor.name).toBe('TencentCloudSDKHttpException');
    expect(wrong.code).toBe('AuthFailure.SignatureFailure');
    expect(wrong.requestId).toBeTruthy();
    expect(wrong.httpCode).toBeUndefined();

    const unknown = await caught(clientFor(sim, { secret_id: 'AKIDnobody' }).DescribeClusters({}));
    expect(unknown.code).toBe('AuthFailure.SecretIdNotFound');

    const realNow = Date.now;
    Date.now = () => realNow() - 10 * 60_000; // the SDK stamps X-TC-Timestamp from Date.now()
    let expired: SdkError;
    try {
      expired = await caught(t.DescribeClusters({}));
    } finally {
      Date.now = realNow;
    }
    expect(expired.code).toBe('AuthFailure.SignatureExpire');
  });

  it('answers an unknown cluster with ResourceNotFound.ClusterNotFound and missing parameters with MissingParameter', async () => {
    const e = await caught(t.DescribeClusterKubeconfig({ ClusterId: 'cls-nothere' }));
    expect(e.code).toBe('ResourceNotFound.ClusterNotFound');
    const m = await caught(t.DeleteCluster({ ClusterId: 'cls-nothere' } as never));
    expect(m.code).toBe('ResourceNotFound.ClusterNotFound');
    const missing = await caught(t.DescribeClusterNodePools({} as never));
    expect(missing.code).toBe('MissingParameter');
    // clusters are regional
    const other = await createCluster(t, 'regional');
    const elsewhere = await caught(
      clientFor(sim, {}, 'ap-shanghai').DescribeClusterKubeconfig({ ClusterId: other.ClusterId! }),
    );
    expect(elsewhere.code).toBe('ResourceNotFound.ClusterNotFound');
  });

  it('validates JSON-string node pool parameters', async () => {
    const c = await createCluster(t, 'np-validate');
    await until(
      'Running',
      () => status(c.ClusterId!),
      (s) => s === 'Running',
    );
    const bad = await caught(
      t.CreateClusterNodePool({
        ClusterId: c.ClusterId!,
        AutoScalingGroupPara: '{not json',
        LaunchConfigurePara: '{}',
        InstanceAdvancedSettings: ADVANCED,
        EnableAutoscale: false,
      }),
    );
    expect(bad.code).toBe('InvalidParameter');
    const range = await caught(
      t.CreateClusterNodePool({
        ClusterId: c.ClusterId!,
        AutoScalingGroupPara: JSON.stringify({
          MinSize: 2,
          MaxSize: 1,
          VpcId: 'vpc-sim',
          SubnetIds: ['subnet-a'],
        }),
        LaunchConfigurePara: JSON.stringify({ InstanceType: 'S5.MEDIUM4' }),
        InstanceAdvancedSettings: ADVANCED,
        EnableAutoscale: false,
      }),
    );
    expect(range.code).toBe('InvalidParameter');
    // What an auto-scaling group and a launch configuration cannot do without (MissingParameter names it).
    const asg = { MinSize: 0, MaxSize: 2, VpcId: 'vpc-sim', SubnetIds: ['subnet-a'] };
    for (const [para, missing] of [
      [{ ...asg, SubnetIds: undefined }, 'SubnetIds'],
      [{ ...asg, VpcId: undefined }, 'VpcId'],
    ] as const) {
      const e = await caught(
        t.CreateClusterNodePool({
          ClusterId: c.ClusterId!,
          AutoScalingGroupPara: JSON.stringify(para),
          LaunchConfigurePara: JSON.stringify({ InstanceType: 'S5.MEDIUM4' }),
          InstanceAdvancedSettings: ADVANCED,
          EnableAutoscale: false,
        }),
      );
      expect(e).toMatchObject({ code: 'MissingParameter', message: expect.stringContaining(missing) });
    }
    const noType = await caught(
      t.CreateClusterNodePool({
        ClusterId: c.ClusterId!,
        AutoScalingGroupPara: JSON.stringify(asg),
        LaunchConfigurePara: '{}',
        InstanceAdvancedSettings: ADVANCED,
        EnableAutoscale: false,
      }),
    );
    expect(noType).toMatchObject({
      code: 'MissingParameter',
      message: expect.stringContaining('InstanceType'),
    });
  });

  it('turns a throttle fault into HTTP 200 RequestLimitExceeded', async () => {
    sim.addFault({ kind: 'throttle', action: 'DescribeClusters', count: 1 });
    const e = await caught(t.DescribeClusters({}));
    expect(e.code).toBe('RequestLimitExceeded');
    expect(e.httpCode).toBeUndefined();
    expect((await t.DescribeClusters({})).TotalCount).toBeGreaterThanOrEqual(0);
  });

  it('renders an error fault with status 503 as an HTTP 503 (the SDK keeps only httpCode)', async () => {
    const res = await fetch(`${sim.url}/__sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        kind: 'error',
        action: 'CreateCluster',
        status: 503,
        code: 'InternalError',
        count: 1,
      }),
    });
    expect(res.status).toBe(201);
    const e = await caught(createCluster(t, 'fault-503'));
    expect(e.httpCode).toBe(503);
    expect(e.code).toBeUndefined();
    expect(e.message).toBe('Service Unavailable');
    // without an explicit status the error keeps TKE's HTTP 200 envelope and its code
    sim.addFault({
      kind: 'error',
      action: 'CreateCluster',
      code: 'LimitExceeded',
      message: 'cluster quota',
      count: 1,
    });
    const q = await caught(createCluster(t, 'fault-quota'));
    expect(q.code).toBe('LimitExceeded');
    expect(q.message).toBe('cluster quota');
    expect(
      (await t.DescribeClusters({ Filters: [{ Name: 'ClusterName', Values: ['fault-503', 'fault-quota'] }] }))
        .TotalCount,
    ).toBe(0);
  });

  it('makes fail-task end the cluster Abnormal with the reason in DescribeTasks', async () => {
    sim.addFault({ kind: 'fail-task', action: 'CreateCluster', message: 'subnet has no free IPs', count: 1 });
    const c = await createCluster(t, 'doomed');
    await until(
      'Abnormal',
      () => status(c.ClusterId!),
      (s) => s !== 'Creating',
    );
    expect(await status(c.ClusterId!)).toBe('Abnormal');
    // "the task type must be passed" (SDK model of DescribeTasks)
    const untyped = await caught(
      t.DescribeTasks({ Filter: [{ Name: 'ClusterId', Values: [c.ClusterId!] }] }),
    );
    expect(untyped.code).toBe('MissingParameter');
    const tasks = await t.DescribeTasks({
      Filter: [
        { Name: 'ClusterId', Values: [c.ClusterId!] },
        { Name: 'TaskType', Values: ['create_cluster'] },
      ],
    });
    expect(tasks.Tasks![0]).toMatchObject({
      TaskType: 'create_cluster',
      LifeState: 'aborted',
      LastError: 'subnet has no free IPs',
      ClusterID: c.ClusterId,
    });
  });

  it('makes fail-task on a node pool leave its instances failed with FailedReason', async () => {
    const c = await createCluster(t, 'np-fail');
    await until(
      'Running',
      () => status(c.ClusterId!),
      (s) => s === 'Running',
    );
    sim.addFault({ kind: 'fail-task', action: 'CreateClusterNodePool', message: 'CVM sold out', count: 1 });
    const np = await t.CreateClusterNodePool({
      ClusterId: c.ClusterId!,
      AutoScalingGroupPara: JSON.stringify({
        MinSize: 1,
        MaxSize: 3,
        VpcId: 'vpc-sim',
        SubnetIds: ['subnet-a'],
      }),
      LaunchConfigurePara: JSON.stringify({ InstanceType: 'S5.MEDIUM4' }),
      InstanceAdvancedSettings: ADVANCED,
      EnableAutoscale: true,
    });
    await until(
      'pool settled',
      () => t.DescribeClusterNodePools({ ClusterId: c.ClusterId! }),
      (r) => r.NodePoolSet![0].LifeState === 'normal',
    );
    const ins = await t.DescribeClusterInstances({
      ClusterId: c.ClusterId!,
      Filters: [{ Name: 'nodepool-id', Values: [np.NodePoolId!] }],
    });
    expect(ins.InstanceSet).toHaveLength(1);
    expect(ins.InstanceSet![0]).toMatchObject({ InstanceState: 'failed', FailedReason: 'CVM sold out' });
    expect(
      (await t.DescribeClusterStatus({ ClusterIds: [c.ClusterId!] })).ClusterStatusSet![0]
        .ClusterInstanceState,
    ).toBe('AllAbnormal');
  });

  it('delays the answer with a slow fault', async () => {
    sim.addFault({ kind: 'slow', action: 'DescribeClusterStatus', delay_ms: 400, count: 1 });
    const t0 = Date.now();
    await t.DescribeClusterStatus({});
    expect(Date.now() - t0).toBeGreaterThanOrEqual(380);
    const t1 = Date.now();
    await t.DescribeClusterStatus({});
    expect(Date.now() - t1).toBeLessThan(380);
  });

  it('pages DescribeClusters (Offset/Limit ≤ 100) and DescribeClusterInstances', async () => {
    for (const i of [1, 2, 3]) await createCluster(t, `pg-${i}`);
    const f = [{ Name: 'ClusterName', Values: ['pg-1', 'pg-2', 'pg-3'] }];
    const p1 = await t.DescribeClusters({ Filters: f, Offset: 0, Limit: 2 });
    const p2 = await t.DescribeClusters({ Filters: f, Offset: 2, Limit: 2 });
    expect(p1.TotalCount).toBe(3);
    expect(p1.Clusters).toHaveLength(2);
    expect(p2.Clusters).toHaveLength(1);
    expect([...p1.Clusters!, ...p2.Clusters!].map((c) => c.ClusterName).sort()).toEqual([
      'pg-1',
      'pg-2',
      'pg-3',
    ]);
    expect((await caught(t.DescribeClusters({ Limit: 101 }))).code).toBe('InvalidParameterValue');

    const c = await t.CreateCluster({
      ClusterType: 'MANAGED_CLUSTER',
      ClusterCIDRSettings: { ClusterCIDR: '172.22.0.0/16' },
      ClusterBasicSettings: { ClusterName: 'pg-nodes' },
      RunInstancesForNode: [
        {
          NodeRole: 'WORKER',
          RunInstancesPara: [JSON.stringify({ InstanceCount: 5, InstanceType: 'S5.MEDIUM4' })],
        },
      ],
    });
    const a = await t.DescribeClusterInstances({ ClusterId: c.ClusterId!, Offset: 0, Limit: 2 });
    const z = await t.DescribeClusterInstances({ ClusterId: c.ClusterId!, Offset: 4, Limit: 2 });
    expect(a.TotalCount).toBe(5);
    expect(a.InstanceSet).toHaveLength(2);
    expect(z.InstanceSet).toHaveLength(1);
    expect(a.InstanceSet![0].InstanceState).toBe('initializing');
  });

  it('points kubeconfigs at the placeholder server when it has no targets', async () => {
    const bare = await startTkeSimulator({ targets: [], timeScale: 0.02 });
    try {
      const c = clientFor(bare);
      const id = (await createCluster(c, 'bare')).ClusterId!;
      await until(
        'Running',
        async () => (await c.DescribeClusterStatus({ ClusterIds: [id] })).ClusterStatusSet![0].ClusterState,
        (s) => s === 'Running',
      );
      await c.CreateClusterEndpoint({ ClusterId: id, IsExtranet: true });
      await until(
        'endpoint Created',
        async () => (await c.DescribeClusterEndpointStatus({ ClusterId: id, IsExtranet: true })).Status,
        (s) => s === 'Created',
      );
      expect((await c.DescribeClusterKubeconfig({ ClusterId: id, IsExtranet: true })).Kubeconfig).toContain(
        'server: https://127.0.0.1:1',
      );
    } finally {
      await bare.close();
    }
  });

  it('refuses to delete a protected cluster', async () => {
    const c = await createCluster(t, 'protected');
    await t.EnableClusterDeletionProtection({ ClusterId: c.ClusterId! });
    expect(
      (await caught(t.DeleteCluster({ ClusterId: c.ClusterId!, InstanceDeleteMode: 'retain' }))).code,
    ).toBe('OperationDenied.ClusterInDeletionProtection');
  });
});
