import { TKE_CLUSTER_SPEC } from './tke.cluster-spec.js';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, IsUrl, Matches, MaxLength, MinLength } from 'class-validator';
import { OptionalNotNull } from '../../common/validators.js';
import {
  ENDPOINT_URL_OPTIONS,
  REGION_ID,
  type VendorCredentialSchema,
} from '../../credentials/credential-schema.js';

export class TkeSettings {
  @ApiProperty({ example: 'ap-guangzhou' })
  @Matches(REGION_ID, { message: 'region must look like "ap-guangzhou"' })
  region: string;

  @ApiPropertyOptional({
    example: 'https://tke.tencentcloudapi.com',
    description: 'Override of the TKE API endpoint',
  })
  @OptionalNotNull()
  @IsUrl(ENDPOINT_URL_OPTIONS)
  @MaxLength(2048)
  endpoint?: string;
}

export class TkeSecrets {
  @ApiProperty({ example: 'AKIDexampleSecretId' })
  @Matches(/^[A-Za-z0-9]{8,128}$/, { message: 'secret_id must be 8-128 letters and digits' })
  secret_id: string;

  @ApiProperty()
  @IsString()
  @MinLength(8)
  @MaxLength(256)
  secret_key: string;
}

export const TKE_CREDENTIAL_SCHEMA = {
  provider: 'tke',
  kind: 'cluster',
  settings: TkeSettings,
  secrets: TkeSecrets,
  example: {
    name: 'tke-prod',
    settings: { region: 'ap-guangzhou' },
    secrets: { secret_id: 'AKIDexampleSecretId', secret_key: 'example-secret-key' },
  },
  cluster_spec: TKE_CLUSTER_SPEC,
} as const satisfies VendorCredentialSchema;
