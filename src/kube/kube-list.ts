/** The parts of a Kubernetes list answer Berth reads. */
export interface KubeList<T = KubeObject> {
  apiVersion?: string;
  kind?: string;
  metadata: { continue?: string; remainingItemCount?: number; resourceVersion?: string };
  items: T[];
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    creationTimestamp?: string;
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

/** Kubernetes sends `items: null` for an empty metadata-only list. */
export const itemsOf = <T>(list: KubeList<T>): T[] => list.items ?? [];

export const METADATA_ONLY =
  'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json';

const REDACTED = '<redacted>';

/** Blanks the values of a Secret (data, stringData, and the last-applied annotation that copies them). */
export function redactSecret<T extends KubeObject>(o: T): T {
  const out = { ...o, metadata: { ...o.metadata } } as T & {
    data?: Record<string, string>;
    stringData?: Record<string, string>;
  };
  for (const field of ['data', 'stringData'] as const) {
    const values = out[field];
    if (values && typeof values === 'object')
      out[field] = Object.fromEntries(Object.keys(values).map((k) => [k, REDACTED]));
  }
  const annotations = out.metadata.annotations;
  if (annotations?.['kubectl.kubernetes.io/last-applied-configuration']) {
    out.metadata.annotations = {
      ...annotations,
      'kubectl.kubernetes.io/last-applied-configuration': REDACTED,
    };
  }
  return out;
}
