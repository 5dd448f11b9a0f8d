import { describe, expect, it } from '@jest/globals';
import type { KubeClient } from '../client/kube-client.js';
import { KubeApi } from './kube-api.js';

/** A client that records what it was asked. */
function recorder() {
  const calls: { method: string; path: string; query?: unknown; body?: unknown; contentType?: string }[] = [];
  const client = {
    cluster: { id: 'c1', name: 'alpha' },
    json: async (
      method: string,
      path: string,
      req: { query?: unknown; body?: string; contentType?: string } = {},
    ) => {
      calls.push({
        method,
        path,
        query: req.query,
        body: req.body ? JSON.parse(req.body) : undefined,
        contentType: req.contentType,
      });
      return { items: [], metadata: {} };
    },
  } as unknown as KubeClient;
  return { calls, api: new KubeApi(client) };
}

describe('KubeApi: the typed facade other modules use instead of building API paths', () => {
  it('URL-encodes every path segment of an eviction (the drainer once sent them raw)', async () => {
    const { calls, api } = recorder();
    await api.evict('team a', 'web?x=1#y');
    expect(calls[0]).toMatchObject({
      method: 'POST',
      path: '/api/v1/namespaces/team%20a/pods/web%3Fx%3D1%23y/eviction',
      body: {
        apiVersion: 'policy/v1',
        kind: 'Eviction',
        metadata: { name: 'web?x=1#y', namespace: 'team a' },
      },
    });
  });

  it('secrets, nodes and pods by node go to their core paths, encoded', async () => {
    const { calls, api } = recorder();
    await api.createSecret('ns/1', {
      type: 'kubernetes.io/dockerconfigjson',
      metadata: { name: 's' },
      data: { k: 'dg==' },
    });
    await api.deleteSecret('ns', 'a/b');
    await api.patchNode('node 1', { spec: { unschedulable: true } });
    await api.podsOnNode('node-1');
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'POST /api/v1/namespaces/ns%2F1/secrets',
      'DELETE /api/v1/namespaces/ns/secrets/a%2Fb',
      'PATCH /api/v1/nodes/node%201',
      'GET /api/v1/pods',
    ]);
    expect(calls[0].body).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/dockerconfigjson',
      metadata: { name: 's' },
      data: { k: 'dg==' },
    });
    expect(calls[2].contentType).toBe('application/merge-patch+json');
    expect(calls[3].query).toEqual({ fieldSelector: 'spec.nodeName=node-1' });
  });
});
