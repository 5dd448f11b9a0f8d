import { RANCHER_CLUSTER_SPEC } from './rancher.cluster-spec.js';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsString, IsUrl, Matches, MaxLength } from 'class-validator';
import { OptionalNotNull } from '../../common/validators.js';
import { ENDPOINT_URL_OPTIONS, type VendorCredentialSchema } from '../../credentials/credential-schema.js';

export class RancherSettings {
  @ApiProperty({ example: 'https://rancher.example.com', description: 'Rancher server URL' })
  @IsUrl(ENDPOINT_URL_OPTIONS)
  @MaxLength(2048)
  endpoint: string;

  @ApiPropertyOptional({ description: 'PEM CA of the Rancher server, base64 (for private CAs)' })
  @OptionalNotNull()
  @IsString()
  @MaxLength(65536)
  ca_data?: string;

  @ApiPropertyOptional({ default: false })
  @OptionalNotNull()
  @IsBoolean()
  insecure_skip_tls_verify?: boolean;
}

export class RancherSecrets {
  @ApiProperty({
    example: 'token-abcde:examplesecret0123456789',
    description: 'Rancher API token "token-xxxxx:secret"',
  })
  @Matches(/^token-[a-z0-9]+:[A-Za-z0-9]+$/, { message: 'token must look like "token-xxxxx:secret"' })
  @MaxLength(512)
  token: string;
}

export const RANCHER_CREDENTIAL_SCHEMA = {
  provider: 'rancher',
  kind: 'cluster',
  settings: RancherSettings,
  secrets: RancherSecrets,
  example: {
    name: 'rancher-lab',
    settings: { endpoint: 'https://rancher.example.com' },
    secrets: { token: 'token-abcde:examplesecret0123456789' },
  },
  cluster_spec: RANCHER_CLUSTER_SPEC,
} as const satisfies VendorCredentialSchema;
