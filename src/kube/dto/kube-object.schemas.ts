import type { OpenAPIObject } from '@nestjs/swagger';

/**
 * Live Kubernetes objects as the API server serves them, in the shapes of Kubernetes' own OpenAPI
 * (io.k8s.apimachinery… ObjectMeta, io.k8s.api.core.v1.Pod, …) for the fields Berth documents. Every
 * object stays open (additionalProperties): Berth relays what the cluster sends. Items of a list carry
 * neither `apiVersion` nor `kind` (as in Kubernetes): the page tells them (`api_version`, `kind`).
 *
 * Raw schemas (not classes): @nestjs/swagger cannot declare an open object class. They are added to
 * `components/schemas` by `addKubeSchemas` and referenced as `kubeRef('Pod')`.
 */
type Schema = Record<string, unknown>;

export type KubeSchemaName =
  | 'OwnerReference'
  | 'ObjectMeta'
  | 'KubeObject'
  | 'KubeStatus'
  | 'Pod'
  | 'Node'
  | 'Deployment'
  | 'StatefulSet'
  | 'Scale'
  | 'Event';

export const kubeRef = (name: KubeSchemaName) => ({ $ref: `#/components/schemas/${name}` });

const str = (description: string, extra: Schema = {}): Schema => ({ type: 'string', description, ...extra });
const int = (description: string): Schema => ({ type: 'integer', description });
const bool = (description: string): Schema => ({ type: 'boolean', description });
const time = (description: string): Schema => ({
  type: 'string',
  format: 'date-time',
  nullable: true,
  description: `${description} (RFC 3339; Kubernetes writes null when unset)`,
});
const stringMap = (description: string): Schema => ({
  type: 'object',
  additionalProperties: { type: 'string' },
  description,
});
const open = (description: string, properties: Record<string, Schema> = {}, required?: string[]): Schema => ({
  type: 'object',
  description,
  additionalProperties: true,
  properties,
  ...(required ? { required } : {}),
});
const arrayOf = (items: Schema, description: string): Schema => ({ type: 'array', items, description });
const quantities = (description: string): Schema =>
  stringMap(`${description}: resource name → Kubernetes quantity (e.g. "cpu": "500m", "memory": "1Gi")`);

const condition = (description: string, extra: Record<string, Schema> = {}): Schema =>
  open(
    description,
    {
      type: str('Condition type (e.g. Ready, Available)'),
      status: str('"True", "False" or "Unknown"', { enum: ['True', 'False', 'Unknown'] }),
      reason: str('Machine-readable reason of the last transition'),
      message: str('Human-readable details'),
      lastTransitionTime: time('When the status last changed'),
      ...extra,
    },
    ['type', 'status'],
  );

/** The fields of a live object every kind shares; the kind's own typed schemas extend it. */
const objectFields = (kind: string, spec: Schema, status: Schema): Record<string, Schema> => ({
  apiVersion: str(`API version (e.g. "v1"); absent on list items: the page's api_version tells it`),
  kind: str(`Kind ("${kind}"); absent on list items: the page's kind tells it`),
  metadata: {
    allOf: [kubeRef('ObjectMeta')],
    description: 'Standard object metadata (name, namespace, uid, labels, …)',
  },
  spec,
  status,
});

const labelSelector = open('Label selector (io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector)', {
  matchLabels: stringMap('Labels an object must have'),
  matchExpressions: arrayOf(
    open('A selector requirement', {
      key: str('Label key'),
      operator: str('In, NotIn, Exists or DoesNotExist'),
      values: arrayOf({ type: 'string' }, 'Values (In, NotIn)'),
    }),
    'Requirements, ANDed',
  ),
});

const container = open(
  'A container of the pod (io.k8s.api.core.v1.Container)',
  {
    name: str('Container name (DNS label)'),
    image: str('Image reference'),
    command: arrayOf({ type: 'string' }, 'Entrypoint'),
    args: arrayOf({ type: 'string' }, 'Arguments'),
    ports: arrayOf(
      open('A port the container exposes', {
        containerPort: int('Port number'),
        name: str('Port name'),
        protocol: str('TCP, UDP or SCTP'),
      }),
      'Ports',
    ),
    resources: open('Requests and limits', {
      requests: quantities('Requested resources'),
      limits: quantities('Resource limits'),
    }),
  },
  ['name'],
);

const workloadStatus = (kind: string, extra: Record<string, Schema> = {}): Schema =>
  open(`Observed state of the ${kind}`, {
    observedGeneration: int('The generation the controller last acted on'),
    replicas: int('Pods the controller runs'),
    readyReplicas: int('Pods ready'),
    availableReplicas: int('Pods available (ready for minReadySeconds)'),
    updatedReplicas: int('Pods at the current template'),
    conditions: arrayOf(
      condition(`A ${kind} condition`, { lastUpdateTime: time('When the condition was last updated') }),
      'Conditions',
    ),
    ...extra,
  });

const workloadSpec = (kind: string, extra: Record<string, Schema> = {}): Schema =>
  open(
    `Desired state of the ${kind}`,
    {
      replicas: int('Desired number of pods (default 1)'),
      selector: labelSelector,
      template: open('Pod template (io.k8s.api.core.v1.PodTemplateSpec): metadata and spec of its pods', {
        metadata: open('Labels and annotations of the pods'),
        spec: open('Pod spec of the pods'),
      }),
      ...extra,
    },
    ['selector', 'template'],
  );

export const KUBE_SCHEMAS: Record<KubeSchemaName, Schema> = {
  OwnerReference: open(
    'An object this one depends on (io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference)',
    {
      apiVersion: str('API version of the owner'),
      kind: str('Kind of the owner'),
      name: str('Name of the owner'),
      uid: str('UID of the owner'),
      controller: bool('The owner is the managing controller'),
      blockOwnerDeletion: bool('The owner cannot be deleted (foreground) before this object'),
    },
    ['apiVersion', 'kind', 'name', 'uid'],
  ),
  ObjectMeta: open('Standard object metadata (io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta)', {
    name: str('Name, unique in its namespace (or cluster-wide for cluster-scoped kinds)'),
    generateName: str('Prefix the server used to generate the name'),
    namespace: str('Namespace (absent on cluster-scoped objects)'),
    uid: str('Unique id the cluster gave the object'),
    resourceVersion: str('Opaque version of the object (optimistic concurrency)'),
    generation: int('Generation of the desired state'),
    creationTimestamp: time('When the object was created'),
    deletionTimestamp: time('When the object will be deleted (set while it terminates)'),
    deletionGracePeriodSeconds: int('Grace period of a pending deletion'),
    labels: stringMap('Labels'),
    annotations: stringMap('Annotations'),
    ownerReferences: arrayOf({ $ref: '#/components/schemas/OwnerReference' }, 'Owners'),
    finalizers: arrayOf({ type: 'string' }, 'Finalizers that must run before deletion'),
    managedFields: arrayOf(open('A field manager’s entry (server-side apply)'), 'Field ownership'),
  }),
  KubeObject: open(
    'A live Kubernetes object of any kind, as the cluster serves it (spec and status depend on the kind)',
    objectFields(
      'any',
      open('Desired state (depends on the kind)'),
      open('Observed state (depends on the kind)'),
    ),
    ['metadata'],
  ),
  KubeStatus: open(
    'A Kubernetes Status (io.k8s.apimachinery.pkg.apis.meta.v1.Status): what some deletions return instead of the object',
    {
      apiVersion: str('"v1"'),
      kind: str('"Status"'),
      metadata: open('List metadata'),
      status: str('"Success" or "Failure"'),
      message: str('Description of the outcome'),
      reason: str('Machine-readable reason'),
      details: open('The object concerned: name, group, kind, uid'),
      code: int('HTTP status'),
    },
    ['status'],
  ),
  Pod: open(
    'A pod (io.k8s.api.core.v1.Pod)',
    objectFields(
      'Pod',
      open(
        'Desired state of the pod (io.k8s.api.core.v1.PodSpec)',
        {
          containers: arrayOf(container, 'Containers'),
          initContainers: arrayOf(container, 'Init containers'),
          nodeName: str('Node the pod is scheduled on'),
          nodeSelector: stringMap('Node labels the pod requires'),
          restartPolicy: str('Always, OnFailure or Never'),
          serviceAccountName: str('Service account the pod runs as'),
          tolerations: arrayOf(open('A toleration'), 'Tolerations'),
        },
        ['containers'],
      ),
      open('Observed state of the pod (io.k8s.api.core.v1.PodStatus)', {
        phase: str('Lifecycle phase', { enum: ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'] }),
        conditions: arrayOf(condition('A pod condition (PodScheduled, Initialized, Ready, …)'), 'Conditions'),
        hostIP: str('IP of the node'),
        podIP: str('IP of the pod'),
        podIPs: arrayOf(open('A pod IP', { ip: str('IP address') }), 'IPs of the pod'),
        startTime: time('When the kubelet acknowledged the pod'),
        qosClass: str('Guaranteed, Burstable or BestEffort'),
        reason: str('Why the pod is in its phase'),
        message: str('Details'),
        containerStatuses: arrayOf(
          open(
            'State of a container',
            {
              name: str('Container name'),
              image: str('Image'),
              imageID: str('Image id'),
              containerID: str('Container id (runtime://id)'),
              ready: bool('Passes its readiness probe'),
              started: bool('Started (startup probe passed)'),
              restartCount: int('Restarts'),
              state: open('Current state: waiting, running or terminated'),
              lastState: open('Last termination'),
            },
            ['name', 'ready', 'restartCount'],
          ),
          'Container states',
        ),
      }),
    ),
    ['metadata'],
  ),
  Node: open(
    'A node (io.k8s.api.core.v1.Node)',
    objectFields(
      'Node',
      open('Desired state of the node (io.k8s.api.core.v1.NodeSpec)', {
        podCIDR: str('Pod IP range of the node'),
        podCIDRs: arrayOf({ type: 'string' }, 'Pod IP ranges'),
        providerID: str('The vendor’s id of the machine'),
        unschedulable: bool('Cordoned: no new pods are scheduled'),
        taints: arrayOf(
          open(
            'A taint',
            {
              key: str('Taint key'),
              value: str('Taint value'),
              effect: str('Effect', { enum: ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] }),
              timeAdded: time('When a NoExecute taint was added'),
            },
            ['key', 'effect'],
          ),
          'Taints',
        ),
      }),
      open('Observed state of the node (io.k8s.api.core.v1.NodeStatus)', {
        capacity: quantities('Total resources'),
        allocatable: quantities('Resources available to pods'),
        conditions: arrayOf(
          condition('A node condition (Ready, MemoryPressure, …)', {
            lastHeartbeatTime: time('Last heartbeat'),
          }),
          'Conditions',
        ),
        addresses: arrayOf(
          open(
            'An address of the node',
            { type: str('InternalIP, ExternalIP, Hostname, …'), address: str('Address') },
            ['type', 'address'],
          ),
          'Addresses',
        ),
        nodeInfo: open('Versions and system ids', {
          kubeletVersion: str('Kubelet version'),
          kubeProxyVersion: str('Kube-proxy version'),
          containerRuntimeVersion: str('Container runtime (runtime://version)'),
          osImage: str('OS image'),
          kernelVersion: str('Kernel version'),
          operatingSystem: str('linux or windows'),
          architecture: str('CPU architecture'),
          machineID: str('Machine id'),
          systemUUID: str('System UUID'),
          bootID: str('Boot id'),
        }),
        phase: str('Deprecated phase'),
      }),
    ),
    ['metadata'],
  ),
  Deployment: open(
    'A deployment (io.k8s.api.apps.v1.Deployment)',
    objectFields(
      'Deployment',
      workloadSpec('deployment', {
        strategy: open('Rollout strategy (RollingUpdate or Recreate)'),
        minReadySeconds: int('Seconds a pod must be ready to count as available'),
        paused: bool('Rollout paused'),
      }),
      workloadStatus('deployment', { unavailableReplicas: int('Pods not yet available') }),
    ),
    ['metadata'],
  ),
  StatefulSet: open(
    'A stateful set (io.k8s.api.apps.v1.StatefulSet)',
    objectFields(
      'StatefulSet',
      workloadSpec('stateful set', {
        serviceName: str('Governing headless service'),
        podManagementPolicy: str('OrderedReady or Parallel'),
        updateStrategy: open('Update strategy'),
        volumeClaimTemplates: arrayOf(open('A PersistentVolumeClaim template'), 'Volume claim templates'),
      }),
      workloadStatus('stateful set', {
        currentReplicas: int('Pods at currentRevision'),
        currentRevision: str('Revision of the current pods'),
        updateRevision: str('Revision being rolled out'),
      }),
    ),
    ['metadata'],
  ),
  Scale: open(
    'The scale subresource (io.k8s.api.autoscaling.v1.Scale)',
    objectFields(
      'Scale',
      open('Desired scale', { replicas: int('Desired replicas') }),
      open('Observed scale', {
        replicas: int('Actual replicas'),
        selector: str('Label selector of the pods, as a string'),
      }),
    ),
    ['metadata'],
  ),
  Event: open(
    'An event (io.k8s.api.core.v1.Event); Berth adds apiVersion "v1" and kind "Event"',
    {
      apiVersion: str('"v1"'),
      kind: str('"Event"'),
      metadata: {
        allOf: [kubeRef('ObjectMeta')],
        description: 'Standard object metadata (name, namespace, uid, labels, …)',
      },
      involvedObject: open('The object the event is about (ObjectReference)', {
        apiVersion: str('API version'),
        kind: str('Kind'),
        namespace: str('Namespace'),
        name: str('Name'),
        uid: str('UID'),
        resourceVersion: str('Resource version'),
        fieldPath: str('Part of the object (e.g. spec.containers{web})'),
      }),
      type: str('Normal or Warning'),
      reason: str('Short machine-readable reason (e.g. Scheduled, BackOff)'),
      message: str('Human-readable description'),
      count: int('Occurrences'),
      firstTimestamp: time('First occurrence'),
      lastTimestamp: time('Last occurrence'),
      eventTime: time('When the event was first observed (MicroTime)'),
      source: open('Reporter (deprecated)', { component: str('Component'), host: str('Host') }),
      reportingComponent: str('Controller that emitted the event'),
      reportingInstance: str('Instance of that controller'),
      action: str('What was done or failed'),
      series: open('Series of a recurring event'),
    },
    ['metadata', 'involvedObject'],
  ),
};

/** A node of the list: the Kubernetes Node plus, on vendor clusters, Berth's record of it. */
export const NODE_LIST_ITEM: Schema = {
  allOf: [
    kubeRef('Node'),
    {
      type: 'object',
      properties: {
        // Inline (NodeRecordDto's fields): OpenAPI 3.0 cannot make a $ref nullable without a `type`.
        berth_node: {
          type: 'object',
          nullable: true,
          description:
            'Vendor clusters only: Berth’s record of the machine (null when Berth has none); absent on imported clusters',
          required: ['instance_id', 'node_name', 'pool_id', 'provider', 'ip', 'state'],
          properties: {
            instance_id: str('The vendor’s instance id'),
            node_name: str('Kubernetes node name', { nullable: true }),
            pool_id: str('Berth’s node pool id', { format: 'uuid', nullable: true }),
            provider: str('Vendor (ack, tke, rancher)'),
            ip: str('Private IP of the machine', { nullable: true }),
            state: str('The vendor’s instance state'),
          },
        },
      },
    },
  ],
};

/** Adds the live-object schemas to the document's components. */
export function addKubeSchemas(document: OpenAPIObject): OpenAPIObject {
  document.components ??= {};
  document.components.schemas = { ...(document.components.schemas ?? {}), ...KUBE_SCHEMAS } as never;
  return document;
}
