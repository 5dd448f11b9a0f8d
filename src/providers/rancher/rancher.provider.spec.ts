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
});
