import { HARBOR_CREDENTIAL_SCHEMA } from '../registries/harbor/harbor.credential-schema.js';
import { ACK_CREDENTIAL_SCHEMA } from './ack/ack.credential-schema.js';
import { RANCHER_CREDENTIAL_SCHEMA } from './rancher/rancher.credential-schema.js';
import { TKE_CREDENTIAL_SCHEMA } from './tke/tke.credential-schema.js';

/**
 * The vendors Berth knows, in the order the API lists them. Everything about a vendor lives in its
 * folder (`providers/<vendor>/`, Harbor in `registries/harbor/`); this list is the one place that
 * names them. Adding a vendor: its folder, a line here, and its adapter in the dispatcher
 * (`ClusterProviders` for a cluster vendor — the compiler asks for it —, `RegistryProviders` for a
 * registry). The provider enums of credentials and clusters come from here.
 */
export const VENDOR_CREDENTIAL_SCHEMAS = [
  RANCHER_CREDENTIAL_SCHEMA,
  ACK_CREDENTIAL_SCHEMA,
  TKE_CREDENTIAL_SCHEMA,
  HARBOR_CREDENTIAL_SCHEMA,
] as const;

type Vendor = (typeof VENDOR_CREDENTIAL_SCHEMAS)[number];

/** A vendor a credential can be for (cluster and registry vendors). */
export type CredentialProviderName = Vendor['provider'];
/** A vendor Berth can create clusters at (imported clusters have no vendor). */
export type ClusterProviderName = Extract<Vendor, { kind: 'cluster' }>['provider'];

export const CREDENTIAL_PROVIDER_NAMES: readonly CredentialProviderName[] = VENDOR_CREDENTIAL_SCHEMAS.map(
  (v) => v.provider,
);
export const CLUSTER_PROVIDER_NAMES: readonly ClusterProviderName[] = VENDOR_CREDENTIAL_SCHEMAS.filter(
  (v): v is Extract<Vendor, { kind: 'cluster' }> => v.kind === 'cluster',
).map((v) => v.provider);

/** An enum-like object `{ RANCHER: 'rancher', … }` of names (for `@IsEnum` and Swagger's `enum`, as a TS enum would be). */
export function enumOf<N extends string>(names: readonly N[]): { readonly [K in N as Uppercase<K>]: K } {
  return Object.fromEntries(names.map((n) => [n.toUpperCase(), n])) as {
    readonly [K in N as Uppercase<K>]: K;
  };
}
