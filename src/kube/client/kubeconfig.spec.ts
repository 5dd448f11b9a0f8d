import { describe, expect, it } from '@jest/globals';
import { parseKubeconfig } from './kubeconfig.js';

const CA = Buffer.from('ca').toString('base64');
/** A kubeconfig as Rancher writes it with the authorized cluster endpoint on: the cluster through Rancher, then one context per control-plane node. */
const rancherLike = (current: string | null, user = '    token: "kubeconfig-user-abc:secret"') =>
  [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: "prod"',
    '  cluster: {server: "https://rancher.example.com/k8s/clusters/c-m-1", certificate-authority-data: "' +
      CA +
      '"}',
    '- name: "prod-cp-1"',
    '  cluster: {server: "https://10.0.0.5:6443", certificate-authority-data: "' + CA + '"}',
    'users:',
    '- name: "prod"',
    '  user:',
    user,
    'contexts:',
    '- name: "prod"',
    '  context: {user: "prod", cluster: "prod"}',
    '- name: "prod-cp-1"',
    '  context: {user: "prod", cluster: "prod-cp-1"}',
    ...(current ? [`current-context: "${current}"`] : []),
  ].join('\n');

describe('parseKubeconfig: several contexts', () => {
  it('honours current-context', () => {
    expect(parseKubeconfig(rancherLike('prod'), { maxBytes: 1e6 }).server).toBe(
      'https://rancher.example.com/k8s/clusters/c-m-1',
    );
    expect(parseKubeconfig(rancherLike('prod-cp-1'), { maxBytes: 1e6 }).server).toBe('https://10.0.0.5:6443');
  });

  it('takes the context asked for over current-context (a vendor’s primary context)', () => {
    expect(parseKubeconfig(rancherLike('prod-cp-1'), { maxBytes: 1e6, context: 'prod' }).server).toBe(
      'https://rancher.example.com/k8s/clusters/c-m-1',
    );
  });

  it('refuses several contexts without a current one, naming them', () => {
    expect(() => parseKubeconfig(rancherLike(null), { maxBytes: 1e6 })).toThrow(
      /context must be given: the kubeconfig has 2 contexts \(prod, prod-cp-1\)/,
    );
    expect(() => parseKubeconfig(rancherLike('gone'), { maxBytes: 1e6 })).toThrow(
      /no current-context among them/,
    );
  });

  it('refuses an exec user, naming the vendor setting that produces it', () => {
    const exec = rancherLike(
      'prod',
      '    exec: {apiVersion: client.authentication.k8s.io/v1, command: rancher, args: [token]}',
    );
    expect(() => parseKubeconfig(exec, { maxBytes: 1e6 })).toThrow(
      /users\[prod\]\.user\.exec runs a command/,
    );
    expect(() =>
      parseKubeconfig(exec, {
        maxBytes: 1e6,
        execHint: 'Rancher writes exec users when kubeconfig-generate-token is false',
      }),
    ).toThrow(/kubeconfig-generate-token is false/);
  });
});
