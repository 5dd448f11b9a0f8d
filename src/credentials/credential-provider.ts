import {
  CREDENTIAL_PROVIDER_NAMES,
  type CredentialProviderName,
  enumOf,
} from '../providers/vendor-registry.js';

/** The vendors a credential can be for: from the vendor registry (`{ RANCHER: 'rancher', ACK: 'ack', … }`). */
export const CredentialProvider = enumOf(CREDENTIAL_PROVIDER_NAMES);
export type CredentialProvider = CredentialProviderName;
