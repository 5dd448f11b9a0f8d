import { describe, expect, it } from '@jest/globals';
import { Verb } from '../../access/roles.js';
import { proxyAccess } from './proxy-access.js';
import { requestInfo } from './request-info.js';

const info = (method: string, url: string) => {
  const [path, q = ''] = url.split('?');
  return requestInfo(method, path, new URLSearchParams(q));
};

describe('requestInfo (the API server’s classification)', () => {
  it('classifies resource requests: verb, group, version, resource, subresource, namespace, name', () => {
    expect(info('GET', '/api/v1/namespaces/a/pods')).toMatchObject({
      isResourceRequest: true,
      verb: 'list',
      apiGroup: '',
      apiVersion: 'v1',
      resource: 'pods',
      namespace: 'a',
    });
    expect(info('GET', '/api/v1/namespaces/a/pods?watch=1')).toMatchObject({ verb: 'watch' });
    expect(info('GET', '/api/v1/watch/namespaces/a/pods')).toMatchObject({
      verb: 'watch',
      resource: 'pods',
      namespace: 'a',
    });
    expect(info('GET', '/api/v1/namespaces/a/pods?fieldSelector=metadata.name%3Dp&watch=true')).toMatchObject(
      { verb: 'watch', name: 'p' },
    );
    expect(info('GET', '/apis/apps/v1/namespaces/a/deployments/web')).toMatchObject({
      verb: 'get',
      apiGroup: 'apps',
      resource: 'deployments',
      name: 'web',
    });
    expect(info('PATCH', '/apis/apps/v1/namespaces/a/deployments/web/scale')).toMatchObject({
      verb: 'patch',
      subresource: 'scale',
    });
    expect(info('DELETE', '/api/v1/namespaces/a/configmaps')).toMatchObject({ verb: 'deletecollection' });
    expect(info('POST', '/api/v1/namespaces/a/pods/p/exec?command=ls')).toMatchObject({
      verb: 'create',
      subresource: 'exec',
      name: 'p',
    });
    expect(info('GET', '/api/v1/namespaces/a/pods/p/portforward')).toMatchObject({
      verb: 'get',
      subresource: 'portforward',
    });
    expect(info('GET', '/api/v1/nodes')).toMatchObject({ verb: 'list', resource: 'nodes', namespace: '' });
    // A namespace is named in its own namespace; status and finalize are its subresources.
    expect(info('DELETE', '/api/v1/namespaces/a')).toMatchObject({
      verb: 'delete',
      resource: 'namespaces',
      name: 'a',
      namespace: 'a',
    });
    expect(info('PUT', '/api/v1/namespaces/a/finalize')).toMatchObject({
      resource: 'namespaces',
      name: 'a',
      subresource: 'finalize',
    });
    expect(info('GET', '/api/v1/proxy/namespaces/a/services/s')).toMatchObject({
      verb: 'proxy',
      resource: 'services',
    });
  });

  it('discovery and everything outside /api and /apis are non-resource requests', () => {
    for (const p of [
      '/api',
      '/api/v1',
      '/apis',
      '/apis/apps',
      '/apis/apps/v1',
      '/version',
      '/openapi/v2',
      '/metrics',
    ])
      expect(info('GET', p).isResourceRequest).toBe(false);
  });
});

describe('proxyAccess (Kubernetes request → Berth verb)', () => {
  const a = (method: string, url: string) => proxyAccess(info(method, url));
  it('maps reads, writes, logs, exec, secrets, nodes and discovery', () => {
    expect(a('GET', '/api/v1/namespaces/a/pods')).toMatchObject({
      verb: Verb.OBJECTS_READ,
      namespace: 'a',
      mutating: false,
    });
    expect(a('GET', '/api/v1/pods')).toMatchObject({ verb: Verb.OBJECTS_READ, namespace: null });
    expect(a('POST', '/api/v1/namespaces/a/configmaps')).toMatchObject({
      verb: Verb.OBJECTS_WRITE,
      namespace: 'a',
      mutating: true,
    });
    expect(a('GET', '/api/v1/namespaces/a/pods/p/log?follow=true')).toMatchObject({ verb: Verb.LOGS_READ });
    expect(a('GET', '/api/v1/namespaces/a/pods/p/exec')).toMatchObject({
      verb: Verb.PODS_EXEC,
      session: 'exec',
    });
    expect(a('POST', '/api/v1/namespaces/a/pods/p/attach')).toMatchObject({
      verb: Verb.PODS_EXEC,
      session: 'attach',
    });
    expect(a('GET', '/api/v1/namespaces/a/pods/p/portforward')).toMatchObject({
      verb: Verb.PODS_EXEC,
      session: 'portforward',
    });
    expect(a('GET', '/api/v1/namespaces/a/services/s/proxy/x')).toMatchObject({ verb: Verb.PODS_EXEC });
    expect(a('GET', '/api/v1/nodes/n/proxy/configz')).toHaveProperty('refused');
    for (const u of [
      '/api/v1/namespaces/a/secrets',
      '/api/v1/namespaces/a/secrets/s',
      '/api/v1/secrets?watch=true',
    ])
      expect(a('GET', u)).toMatchObject({ verb: Verb.SECRETS_REVEAL });
    expect(a('POST', '/api/v1/namespaces/a/serviceaccounts/default/token')).toMatchObject({
      verb: Verb.SECRETS_REVEAL,
    });
    expect(a('PATCH', '/api/v1/nodes/n')).toMatchObject({ verb: Verb.NODES_MANAGE, namespace: null });
    expect(a('DELETE', '/api/v1/namespaces/a')).toMatchObject({ verb: Verb.OBJECTS_WRITE, namespace: null });
    expect(a('GET', '/api/v1/namespaces/a')).toMatchObject({ verb: Verb.OBJECTS_READ, namespace: 'a' });
    expect(a('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings')).toMatchObject({
      verb: Verb.OBJECTS_WRITE,
      namespace: null,
    });
    for (const u of ['/api', '/apis/apps/v1', '/version', '/openapi/v2', '/openapi/v3/apis/apps/v1'])
      expect(a('GET', u)).toMatchObject({ verb: Verb.CLUSTERS_READ, namespace: undefined });
    expect(a('GET', '/metrics')).toHaveProperty('refused');
    expect(a('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews')).toMatchObject({
      local: 'selfsubjectaccessreview',
    });
  });
});
