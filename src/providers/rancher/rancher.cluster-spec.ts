import type { VendorClusterSpecDoc } from '../../credentials/credential-schema.js';

/** Rancher's RKE2/K3s versions ("v1.31.4+rke2r1"); checked by the adapter's validateSpec. */
export const RANCHER_VERSION = /^v\d+\.\d+\.\d+\+(rke2|k3s)r?\d+$/;

export const RANCHER_CLUSTER_SPEC: VendorClusterSpecDoc = {
  description:
    'An RKE2/K3s cluster provisioned by Rancher: it needs the version and machine pools covering the etcd and control-plane roles (one pool may hold both), each with a machine template.',
  required: ['kubernetes_version', 'node_pools'],
  properties: {
    kubernetes_version: {
      pattern: RANCHER_VERSION.source,
      example: 'v1.31.4+rke2r1',
      description: 'RKE2/K3s version, e.g. "v1.31.4+rke2r1" (required)',
    },
    deletion_protection: { enum: [false], description: 'Rancher has no deletion protection' },
  },
  node_pools: {
    minItems: 1,
    description: 'Machine pools; at least one has the etcd role and one the control-plane role',
  },
  node_pool: {
    required: ['machine_config'],
  },
  example: {
    name: 'rke2-lab',
    spec: {
      kubernetes_version: 'v1.31.4+rke2r1',
      cloud_credential: 'cattle-global-data:cc-abcde',
      node_pools: [
        {
          name: 'control',
          desired_size: 1,
          roles: ['etcd', 'control-plane'],
          machine_config: { kind: 'Amazonec2Config', name: 'nc-control' },
        },
        {
          name: 'workers',
          desired_size: 2,
          roles: ['worker'],
          machine_config: { kind: 'Amazonec2Config', name: 'nc-workers' },
        },
      ],
    },
  },
};
