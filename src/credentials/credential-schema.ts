/**
 * What a vendor declares about its credentials (next to its adapter, `<vendor>.credential-schema.ts`):
 * its provider name, whether it is a cluster or a registry vendor, and the classes validating its
 * non-secret settings and its secret fields (class-validator + Swagger decorators). Credentials know
 * vendors only through the list of these (providers/vendor-registry).
 */
export interface VendorCredentialSchema<
  P extends string = string,
  K extends 'cluster' | 'registry' = 'cluster' | 'registry',
> {
  provider: P;
  kind: K;
  settings: new () => object;
  secrets: new () => object;
  /** A credential of this vendor that passes validation (the document's example). */
  example: { name: string; settings: Record<string, unknown>; secrets: Record<string, unknown> };
  /** Cluster vendors: what their cluster `spec` needs (the document's per-provider create schema). */
  cluster_spec?: VendorClusterSpecDoc;
}

/**
 * How a cluster vendor's create `spec` narrows the vendor-neutral ClusterSpecDto in the OpenAPI document:
 * the same rules its adapter's `validateSpec` enforces at run time (a 400 names the field), written down.
 */
export interface VendorClusterSpecDoc {
  description: string;
  /** Spec fields the vendor needs. */
  required?: string[];
  /** Per-field narrowing (pattern, enum, description), merged over ClusterSpecDto's. */
  properties?: Record<string, Record<string, unknown>>;
  /** Narrowing of each node pool (NodePoolSpecDto). */
  node_pool?: { required?: string[]; properties?: Record<string, Record<string, unknown>> };
  /** Narrowing of the node pool list itself (e.g. minItems). */
  node_pools?: Record<string, unknown>;
  /** A create request that passes validation (its credential_id aside). */
  example: { name: string; region?: string; spec: Record<string, unknown> };
}

/** `@IsUrl` options of a vendor endpoint: http(s), host names without a TLD allowed. */
export const ENDPOINT_URL_OPTIONS = {
  protocols: ['http', 'https'],
  require_protocol: true,
  require_tld: false,
};

/** A cloud region id like "cn-hangzhou" or "ap-guangzhou". */
export const REGION_ID = /^[a-z]{2,}(-[a-z0-9]+)+$/;
