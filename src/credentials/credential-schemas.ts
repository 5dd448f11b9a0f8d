import { VENDOR_CREDENTIAL_SCHEMAS } from '../providers/vendor-registry.js';
import type { CredentialProvider } from './credential-provider.js';
import type { VendorCredentialSchema } from './credential-schema.js';

/** What each provider's credential holds: non-secret settings and secret fields, validated per provider (declared by each vendor). */
export const CREDENTIAL_SCHEMAS = Object.fromEntries(
  VENDOR_CREDENTIAL_SCHEMAS.map((s) => [s.provider, s]),
) as unknown as Record<CredentialProvider, VendorCredentialSchema>;

export const CREDENTIAL_SCHEMA_MODELS = VENDOR_CREDENTIAL_SCHEMAS.flatMap((s) => [s.settings, s.secrets]);
