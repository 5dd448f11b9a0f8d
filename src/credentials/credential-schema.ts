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
}

/** `@IsUrl` options of a vendor endpoint: http(s), host names without a TLD allowed. */
export const ENDPOINT_URL_OPTIONS = {
  protocols: ['http', 'https'],
  require_protocol: true,
  require_tld: false,
};

/** A cloud region id like "cn-hangzhou" or "ap-guangzhou". */
export const REGION_ID = /^[a-z]{2,}(-[a-z0-9]+)+$/;
