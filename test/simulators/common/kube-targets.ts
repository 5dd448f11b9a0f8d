// Simulated vendor clusters become real: once "running", a simulated cluster's kubeconfig points at one
// of the testbed's real Kubernetes clusters (round-robin), with that cluster's CA and admin token.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface KubeTarget {
  name: string;
  server: string;
  token: string;
  ca_data: string;
}

/** The testbed clusters from .testbed/state.json (empty when the testbed is not running). */
export function testbedTargets(root = process.cwd()): KubeTarget[] {
  const file = join(root, '.testbed', 'state.json');
  if (!existsSync(file)) return [];
  return (JSON.parse(readFileSync(file, 'utf8')) as KubeTarget[]).map(({ name, server, token, ca_data }) => ({
    name,
    server,
    token,
    ca_data,
  }));
}

export class TargetPicker {
  private next = 0;
  constructor(private readonly targets: KubeTarget[]) {}

  pick(): KubeTarget | undefined {
    if (!this.targets.length) return undefined;
    return this.targets[this.next++ % this.targets.length];
  }
}

/** A kubeconfig with inline CA data and a bearer token, as a vendor hands it out. */
export function kubeconfigFor(clusterName: string, t: KubeTarget): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${clusterName}`,
    '  cluster:',
    `    server: ${t.server}`,
    `    certificate-authority-data: ${t.ca_data}`,
    'users:',
    `- name: ${clusterName}-admin`,
    '  user:',
    `    token: ${t.token}`,
    'contexts:',
    `- name: ${clusterName}`,
    '  context:',
    `    cluster: ${clusterName}`,
    `    user: ${clusterName}-admin`,
    `current-context: ${clusterName}`,
    '',
  ].join('\n');
}
