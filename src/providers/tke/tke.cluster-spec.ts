import type { VendorClusterSpecDoc } from '../../credentials/credential-schema.js';

/** TKE's Kubernetes versions ("1.30.0"); checked by the adapter's validateSpec. */
export const TKE_VERSION = /^1\.\d+\.\d+$/;

export const TKE_CLUSTER_SPEC: VendorClusterSpecDoc = {
  description:
    'A TKE managed cluster: TKE needs its VPC and a pod CIDR; node pools need subnets (in the pool or in `subnet_ids`) and are added once the cluster runs ' +
    '(auto-scaling group MinSize = autoscaling.min_size or 0, MaxSize = autoscaling.max_size or 100, instance type = the first of instance_types or S5.MEDIUM4). ' +
    'Berth then opens the API endpoint `endpoint` asks for (default internal, in endpoint.subnet_id or the first of subnet_ids) and waits for it before fetching the kubeconfig.',
  required: ['vpc_id', 'pod_cidr'],
  properties: {
    kubernetes_version: {
      pattern: TKE_VERSION.source,
      example: '1.30.0',
      description: 'TKE version, e.g. "1.30.0"; default: the newest TKE offers',
    },
    vpc_id: { example: 'vpc-2x6example', description: 'VPC of the cluster (required by TKE)' },
    subnet_ids: {
      example: ['subnet-8example'],
      description: 'Subnets the node pools use when a pool names none',
    },
    pod_cidr: { example: '10.244.0.0/16', description: 'Pod CIDR (TKE ClusterCIDR, required)' },
    deletion_protection: { enum: [false], description: 'Berth cannot set TKE deletion protection' },
    endpoint: {
      description:
        'API server endpoint TKE opens (CreateClusterEndpoint): internal (default; subnet_id or the first of subnet_ids) or external',
    },
  },
  node_pool: {
    properties: {
      subnet_ids: { description: 'Subnets of the pool; required unless spec.subnet_ids is given' },
      instance_types: {
        description: 'The first is the launch configuration’s InstanceType; default S5.MEDIUM4',
      },
    },
  },
  example: {
    name: 'prod-guangzhou',
    region: 'ap-guangzhou',
    spec: {
      kubernetes_version: '1.30.0',
      vpc_id: 'vpc-2x6example',
      subnet_ids: ['subnet-8example'],
      pod_cidr: '10.244.0.0/16',
      service_cidr: '192.168.0.0/20',
      node_pools: [{ name: 'workers', desired_size: 2, instance_types: ['SA2.MEDIUM4'] }],
    },
  },
};
