import { describe, expect, it } from '@jest/globals';
import { ErrorCode } from '../../common/error-codes.js';
import { toAppError } from '../vendor-call.js';
import { classifyRancherError, RancherHttpError } from './rancher-http.js';
import { RancherClusterProvider } from './rancher.provider.js';

const OPTS = { timeoutMs: 1000, attempts: 2, backoffMs: 1 };

describe('Rancher adapter', () => {
  it.each([
    [401, 'Unauthorized', ErrorCode.VENDOR_CREDENTIAL_REJECTED],
    [429, 'TooManyRequests', ErrorCode.VENDOR_UNAVAILABLE],
    [404, 'NotFound', ErrorCode.NOT_FOUND],
    [409, 'Conflict', ErrorCode.VENDOR_API_ERROR],
    [422, 'InvalidFormat', ErrorCode.VENDOR_API_ERROR],
    [503, 'ClusterUnavailable', ErrorCode.VENDOR_UNAVAILABLE],
    [500, 'ServerError', ErrorCode.VENDOR_API_ERROR],
  ] as const)('maps %d %s to %d', (status, code, berth) => {
    const e = toAppError(
      'rancher',
      'getCluster',
      classifyRancherError(new RancherHttpError(status, code, 'm', null)),
    );
    expect(e.code).toBe(berth);
    expect(e.details).toMatchObject({ vendor: 'rancher', vendor_code: code, vendor_status: status });
  });

  it('resizes a machine pool by GET-modify-PUT and reads again after a 409 (stale resourceVersion)', async () => {
    let version = 1;
    const puts: { quantity: number; rv: string }[] = [];
    const cluster = () => ({
      id: 'fleet-default/a',
      metadata: {
        name: 'a',
        namespace: 'fleet-default',
        resourceVersion: String(version),
        generation: version,
      },
      spec: {
        kubernetesVersion: 'v1.31.4+rke2r1',
        rkeConfig: { machinePools: [{ name: 'w', quantity: 1, machineConfigRef: { kind: 'K', name: 'n' } }] },
      },
    });
    const http = {
      json: async <T>(method: string, _path: string, body?: unknown): Promise<T> => {
        if (method === 'GET') return cluster() as T;
        const sent = body as ReturnType<typeof cluster>;
        puts.push({
          quantity: sent.spec.rkeConfig.machinePools[0].quantity,
          rv: sent.metadata.resourceVersion,
        });
        if (puts.length === 1) {
          version++; // someone else changed it in between
          throw new RancherHttpError(409, 'Conflict', 'the object has been modified', null);
        }
        version++;
        return { ...cluster(), metadata: { ...cluster().metadata, generation: version } } as T;
      },
    };
    const change = await new RancherClusterProvider(http, OPTS).resizeNodePool('fleet-default/a', 'w', {
      desired_size: 3,
    });
    expect(puts).toEqual([
      { quantity: 3, rv: '1' },
      { quantity: 3, rv: '2' },
    ]);
    expect(change).toEqual({ kind: 'settled', id: 'fleet-default/a', generation: 3 });
  });

  describe('judges changes on the planner and the machines, not on Ready + observedGeneration', () => {
    const cond = (type: string, status: string, message = '', reason = '') => ({
      type,
      status,
      message,
      reason,
    });
    const prov = (
      quantity: number,
      conditions = ['Ready', 'Provisioned', 'Updated'].map((t) => cond(t, 'True')),
    ) => ({
      id: 'fleet-default/a',
      metadata: {
        name: 'a',
        namespace: 'fleet-default',
        resourceVersion: '7',
        generation: 2,
        state: { name: 'active' },
      },
      spec: {
        kubernetesVersion: 'v1.31.4+rke2r1',
        rkeConfig: { machinePools: [{ name: 'w', quantity, machineConfigRef: { kind: 'K', name: 'n' } }] },
      },
      status: { clusterName: 'c-m-1', observedGeneration: 2, ready: true, conditions },
    });
    const machine = (name: string, phase: string, pool = 'w', extra: Record<string, unknown> = {}) => ({
      id: `fleet-default/${name}`,
      metadata: {
        name,
        namespace: 'fleet-default',
        resourceVersion: '1',
        labels: { 'cluster.x-k8s.io/cluster-name': 'a', 'rke.cattle.io/rke-machine-pool-name': pool },
        annotations: {},
        ...extra,
      },
      status: {
        phase,
        ...(phase === 'Running' ? { nodeRef: { name: `node-${name}` } } : {}),
        addresses: [{ type: 'InternalIP', address: '10.0.0.9' }],
      },
    });
    function fake(state: { prov: unknown; machines: unknown[] }) {
      const calls: string[] = [];
      const puts: unknown[] = [];
      const http = {
        json: async <T>(method: string, path: string, body?: unknown): Promise<T> => {
          calls.push(`${method} ${path}`);
          if (path.startsWith('/v1/cluster.x-k8s.io.machines/fleet-default?'))
            return { data: state.machines } as T;
          if (path.startsWith('/v1/cluster.x-k8s.io.machines/fleet-default/')) {
            if (method === 'PUT') {
              puts.push(body);
              const ms = state.machines as { metadata: { name: string } }[];
              const i = ms.findIndex((m) => path.endsWith(`/${m.metadata.name}`));
              ms[i] = structuredClone(body) as { metadata: { name: string } };
              return body as T;
            }
            return structuredClone(
              (state.machines as { metadata: { name: string } }[]).find((m) =>
                path.endsWith(`/${m.metadata.name}`),
              ),
            ) as T;
          }
          if (method === 'PUT') {
            puts.push(body);
            return {
              ...(body as object),
              metadata: { ...(body as { metadata: object }).metadata, generation: 3 },
            } as T;
          }
          return structuredClone(state.prov) as T;
        },
      };
      return { calls, puts, provider: new RancherClusterProvider(http, OPTS) };
    }
    const change = { kind: 'settled', id: 'fleet-default/a', generation: 2 };

    it('is running while Ready is True and the generation observed but a pool lacks machines', async () => {
      const { provider } = fake({
        prov: prov(3),
        machines: [machine('m1', 'Running'), machine('m2', 'Running')],
      });
      expect(await provider.checkChange(change)).toEqual({
        state: 'running',
        message: 'machine pool w: 2 of 3 machines running',
      });
    });

    it('is running while the planner waits (Updated Unknown), and fails when it reports an error', async () => {
      const waiting = fake({
        prov: prov(2, [
          cond('Ready', 'True'),
          cond('Provisioned', 'True'),
          cond('Updated', 'Unknown', 'configuring worker node(s)', 'Waiting'),
        ]),
        machines: [machine('m1', 'Running'), machine('m2', 'Running')],
      });
      expect(await waiting.provider.checkChange(change)).toEqual({
        state: 'running',
        message: 'configuring worker node(s)',
      });
      const failed = fake({
        prov: prov(2, [
          cond('Ready', 'True'),
          cond('Provisioned', 'True'),
          cond('Updated', 'False', 'plan failed', 'Error'),
        ]),
        machines: [],
      });
      expect(await failed.provider.checkChange(change)).toMatchObject({
        state: 'failed',
        message: 'plan failed',
      });
    });

    it('is running while a removed machine is still deleting, done when the machines match the spec', async () => {
      const deleting = fake({
        prov: prov(1),
        machines: [
          machine('m1', 'Running'),
          machine('m2', 'Deleting', 'w', { deletionTimestamp: '2026-01-01T00:00:00Z' }),
        ],
      });
      expect(await deleting.provider.checkChange(change)).toEqual({
        state: 'running',
        message: 'removing 1 machine(s)',
      });
      const done = fake({ prov: prov(1), machines: [machine('m1', 'Running')] });
      expect(await done.provider.checkChange(change)).toEqual({ state: 'succeeded' });
    });

    it('attributes nodes to pools through the machines (pool label → nodeRef)', async () => {
      const { provider } = fake({
        prov: prov(2),
        machines: [machine('m1', 'Running'), machine('m2', 'Provisioning')],
      });
      expect(await provider.listNodes('fleet-default/a')).toEqual([
        { instance_id: 'm1', node_name: 'node-m1', pool_id: 'w', state: 'running', ip: '10.0.0.9' },
        { instance_id: 'm2', node_name: '', pool_id: 'w', state: 'provisioning', ip: '10.0.0.9' },
      ]);
      expect((await provider.listNodePools('fleet-default/a'))[0]).toMatchObject({
        desired_size: 2,
        total_nodes: 2,
        ready_nodes: 1,
        phase: 'scaling',
      });
    });

    it('removes a machine by marking it for deletion, then lowering the quantity by one (repeatable)', async () => {
      const state = { prov: prov(2), machines: [machine('m1', 'Running'), machine('m2', 'Running')] };
      const { provider, puts } = fake(state);
      const ticket = await provider.removeNodes('fleet-default/a', 'w', ['m2']);
      expect(puts[0]).toMatchObject({
        metadata: { name: 'm2', annotations: { 'cluster.x-k8s.io/delete-machine': 'true' } },
      });
      expect(
        (puts[1] as { spec: { rkeConfig: { machinePools: { quantity: number }[] } } }).spec.rkeConfig
          .machinePools[0].quantity,
      ).toBe(1);
      expect(ticket).toEqual({ kind: 'settled', id: 'fleet-default/a', generation: 3 });
      // a resumed run: the machine is marked, the quantity already lowered → nothing is lowered twice
      (state.machines[1] as { metadata: { annotations: object } }).metadata.annotations = {
        'cluster.x-k8s.io/delete-machine': 'true',
      };
      state.prov = prov(1);
      await provider.removeNodes('fleet-default/a', 'w', ['m2']);
      expect(puts).toHaveLength(3);
      expect(
        (puts[2] as { spec: { rkeConfig: { machinePools: { quantity: number }[] } } }).spec.rkeConfig
          .machinePools[0].quantity,
      ).toBe(1);
    });
  });

  it('reads the kubeconfig token’s expiry from /v3/tokens, else from the TTL setting', async () => {
    const kubeconfig = (token: string) =>
      `apiVersion: v1\nusers:\n- name: a\n  user:\n    token: "${token}"\n`;
    const provCluster = {
      metadata: { name: 'a', namespace: 'fleet-default', resourceVersion: '1' },
      spec: {},
      status: { clusterName: 'c-m-1' },
    };
    const mk = (token: string) => {
      const calls: string[] = [];
      const http = {
        json: async <T>(method: string, path: string): Promise<T> => {
          calls.push(`${method} ${path}`);
          if (path.includes('generateKubeconfig')) return { config: kubeconfig(token) } as T;
          if (path.startsWith('/v3/tokens/')) return { expiresAt: '2026-02-01T00:00:00Z' } as T;
          if (path.startsWith('/v3/settings/')) return { value: '43200' } as T;
          return provCluster as T;
        },
      };
      return { calls, provider: new RancherClusterProvider(http, OPTS) };
    };
    const named = mk('kubeconfig-user-abc12:secretvalue');
    const withToken = await named.provider.kubeconfigWithExpiry('fleet-default/a');
    expect(withToken.expires_at?.toISOString()).toBe('2026-02-01T00:00:00.000Z');
    expect(withToken.context).toBe('a');
    expect(named.calls).toContain('GET /v3/tokens/kubeconfig-user-abc12');
    const other = mk('opaque-token');
    const before = Date.now();
    const viaSetting = await other.provider.kubeconfigWithExpiry('fleet-default/a');
    expect(viaSetting.expires_at!.getTime() - before).toBeGreaterThanOrEqual(43200 * 60_000 - 5000);
    expect(other.calls).toContain('GET /v3/settings/kubeconfig-default-token-ttl-minutes');
  });
});
