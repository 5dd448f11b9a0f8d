import type { VendorClusterSpecDoc } from '../../credentials/credential-schema.js';

/** ACK's Kubernetes versions ("1.31.1-aliyun.1"); checked by the adapter's validateSpec. */
export const ACK_VERSION = /^1\.\d+\.\d+-aliyun\.\d+$/;

export const ACK_CLUSTER_SPEC: VendorClusterSpecDoc = {
  description:
    'An ACK managed cluster. Every field is optional (ACK picks defaults); node pools are created with the cluster.',
  properties: {
    kubernetes_version: {
      pattern: ACK_VERSION.source,
      example: '1.31.1-aliyun.1',
      description: 'ACK version, e.g. "1.31.1-aliyun.1"; default: the newest ACK offers',
    },
    vpc_id: { example: 'vpc-bp1example', description: 'VPC of the cluster; default: ACK creates one' },
    subnet_ids: { example: ['vsw-bp1example'], description: 'vSwitches of the cluster' },
  },
  node_pool: {
    properties: {
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
