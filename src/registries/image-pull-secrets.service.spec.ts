import { describe, expect, it } from '@jest/globals';
import { AppError } from '../common/app-error.js';
import { ErrorCode } from '../common/error-codes.js';
import type { ClusterClients } from '../kube/access/cluster-clients.js';
import { KubeApi } from '../kube/access/kube-api.js';
import type { KubeClient } from '../kube/client/kube-client.js';
import type { ImagePullSecretsRepository } from './image-pull-secrets.repository.js';
import { dockerConfigJson, ImagePullSecretsService } from './image-pull-secrets.service.js';
import type { RegistriesService } from './registries.service.js';
import type { RegistryProvider } from './registry-provider.js';

/** Fakes that record every call, so each test can say exactly what was undone. */
function setup(opts: { secretFails?: AppError; insertFails?: Error } = {}) {
  const calls: string[] = [];
  const client = {
    cluster: { id: 'c1', name: 'alpha' },
    json: async (method: string, path: string) => {
      calls.push(`kube ${method} ${path}`);
      if (method === 'POST' && opts.secretFails) throw opts.secretFails;
      return {};
    },
  } as unknown as KubeClient;
  const provider = {
    createPullRobot: async (_c: unknown, project: string) => {
      calls.push(`robot create ${project}`);
      return { id: '7', name: `robot$${project}+berth-x`, secret: 'S3cret', expires_at: null };
    },
    deleteRobot: async (_c: unknown, id: string) => {
      calls.push(`robot delete ${id}`);
    },
  } as unknown as RegistryProvider;
  const registries = {
    open: async () => ({
      registry: { id: 'r1', name: 'hb', endpoint: 'https://harbor.example.com:8443' },
      provider,
      conn: {},
    }),
  } as unknown as RegistriesService;
  const clusters = { api: async () => new KubeApi(client) } as unknown as ClusterClients;
  const repo = {
    find: async () => null,
    insert: async (row: Record<string, unknown>) => {
      calls.push('db insert');
      if (opts.insertFails) throw opts.insertFails;
      return { ...row, createdAt: new Date() };
    },
  } as unknown as ImagePullSecretsRepository;
  return { calls, service: new ImagePullSecretsService(repo, registries, clusters) };
}

const dto = { registry_id: 'r1', project: 'team' };

describe('ImagePullSecretsService: nothing half-written', () => {
  it('creates robot, Secret and record in that order', async () => {
    const { calls, service } = setup();
    const out = await service.create('c1', 'ns', dto, 'u1');
    expect(out).toMatchObject({ name: 'hb-team', robot_id: '7', robot_name: 'robot$team+berth-x' });
    expect(calls).toEqual(['robot create team', 'kube POST /api/v1/namespaces/ns/secrets', 'db insert']);
  });

  it('deletes the robot again when the Secret cannot be installed, and keeps the cluster’s error', async () => {
    const refused = new AppError(ErrorCode.FORBIDDEN, 'secrets is forbidden');
    const { calls, service } = setup({ secretFails: refused });
    await expect(service.create('c1', 'ns', dto, 'u1')).rejects.toBe(refused);
    expect(calls).toEqual(['robot create team', 'kube POST /api/v1/namespaces/ns/secrets', 'robot delete 7']);
  });

  it('deletes the Secret and the robot when the record cannot be written', async () => {
    const boom = new Error('connection to Postgres lost');
    const { calls, service } = setup({ insertFails: boom });
    await expect(service.create('c1', 'ns', dto, 'u1')).rejects.toBe(boom);
    expect(calls).toEqual([
      'robot create team',
      'kube POST /api/v1/namespaces/ns/secrets',
      'db insert',
      'kube DELETE /api/v1/namespaces/ns/secrets/hb-team',
      'robot delete 7',
    ]);
  });

  it('builds .dockerconfigjson for the registry host with user, password and their base64 auth', () => {
    const cfg = JSON.parse(dockerConfigJson('harbor.example.com:8443', 'robot$p+x', 'pw'));
    expect(cfg).toEqual({
      auths: {
        'harbor.example.com:8443': {
          username: 'robot$p+x',
          password: 'pw',
          auth: Buffer.from('robot$p+x:pw').toString('base64'),
        },
      },
    });
  });
});
