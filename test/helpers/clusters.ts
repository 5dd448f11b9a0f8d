import { readFileSync } from 'node:fs';
import { loadTestbed, type TestbedCluster } from '../testbed/state.js';
import type { TestApp } from './test-app.js';

export function testbed(): TestbedCluster[] {
  return loadTestbed();
}

export const kubeconfigOf = (c: TestbedCluster) => readFileSync(c.kubeconfig_path, 'utf8');

/** A one-context kubeconfig for a testbed cluster with the given user block (and extra cluster fields). */
export function kubeconfigWith(c: TestbedCluster, userBlock: string, clusterExtra = ''): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: ${c.server}
    certificate-authority-data: ${c.ca_data}
${clusterExtra}users:
- name: u
  user:
${userBlock}
contexts:
- name: ctx
  context: {cluster: c, user: u}
current-context: ctx
`;
}

/** Imports a testbed cluster into Berth by its kubeconfig and returns the record id. */
export async function importCluster(
  t: TestApp,
  token: string,
  c: TestbedCluster,
  name = c.name,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const res = await t.api('POST', '/api/v1/clusters/import', {
    token,
    body: { name, kubeconfig: kubeconfigOf(c), ...extra },
  });
  if (res.status !== 201) throw new Error(`import of ${c.name} failed: ${res.text}`);
  return res.body.data.id as string;
}
