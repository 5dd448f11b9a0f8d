import type { VendorClusterSpecDoc } from '../../credentials/credential-schema.js';

/** ACK's Kubernetes versions ("1.31.1-aliyun.1"); checked by the adapter's validateSpec. */
export const ACK_VERSION = /^1\.\d+\.\d+-aliyun\.\d+$/;

export const ACK_CLUSTER_SPEC: VendorClusterSpecDoc = {
  description:
    'An ACK managed cluster (ACK Pro, `ack.pro.small`). ACK needs its VPC and vSwitches; node pools need instance types and are created with the cluster, ' +
    'their nodes pay-as-you-go (`PostPaid`), in the pool’s vSwitches or the cluster’s. Default pod CIDR 172.20.0.0/16.',
  required: ['vpc_id', 'subnet_ids'],
  properties: {
    kubernetes_version: {
      pattern: ACK_VERSION.source,
      example: '1.31.1-aliyun.1',
      description: 'ACK version, e.g. "1.31.1-aliyun.1"; default: the newest ACK offers',
    },
    vpc_id: { example: 'vpc-bp1example', description: 'VPC of the cluster (required by ACK)' },
    subnet_ids: {
      example: ['vsw-bp1example'],
      description: 'vSwitches of the cluster (required); the node pools’ default',
    },
    pod_cidr: {
      example: '172.20.0.0/16',
      description: 'Pod CIDR (ACK container_cidr, needed for Flannel clusters); default 172.20.0.0/16',
    },
  },
  node_pool: {
    required: ['instance_types'],
    properties: {
      instance_types: { example: ['ecs.g7.xlarge'], description: 'ECS instance types (required by ACK)' },
      subnet_ids: { description: 'vSwitches of the pool; default: spec.subnet_ids' },
      autoscaling: { description: 'Autoscaling bounds; min_size must not exceed max_size' },
    },
  },
  example: {
    name: 'prod-hangzhou',
    region: 'cn-hangzhou',
    spec: {
      kubernetes_version: '1.31.1-aliyun.1',
      vpc_id: 'vpc-bp1example',
      subnet_ids: ['vsw-bp1example'],
      service_cidr: '172.16.0.0/16',
      pod_cidr: '10.0.0.0/8',
      node_pools: [{ name: 'workers', desired_size: 3, instance_types: ['ecs.g7.xlarge'] }],
    },
  },
};
