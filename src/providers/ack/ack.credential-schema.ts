import { ACK_CLUSTER_SPEC } from './ack.cluster-spec.js';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, IsUrl, Matches, MaxLength, MinLength } from 'class-validator';
import { OptionalNotNull } from '../../common/validators.js';
import {
  ENDPOINT_URL_OPTIONS,
  REGION_ID,
  type VendorCredentialSchema,
} from '../../credentials/credential-schema.js';

export class AckSettings {
  @ApiProperty({ example: 'cn-hangzhou' })
  @Matches(REGION_ID, { message: 'region_id must look like "cn-hangzhou"' })
  region_id: string;

  @ApiPropertyOptional({
    example: 'https://cs.cn-hangzhou.aliyuncs.com',
    description: 'Override of the CS API endpoint',
  })
  @OptionalNotNull()
  @IsUrl(ENDPOINT_URL_OPTIONS)
  @MaxLength(2048)
  endpoint?: string;
}

export class AckSecrets {
  @ApiProperty({ example: 'LTAI5tExampleKeyId' })
  @Matches(/^[A-Za-z0-9]{8,128}$/, { message: 'access_key_id must be 8-128 letters and digits' })
  access_key_id: string;

  @ApiProperty()
  @IsString()
  @MinLength(8)
  @MaxLength(256)
  access_key_secret: string;
}

export const ACK_CREDENTIAL_SCHEMA = {
  provider: 'ack',
  kind: 'cluster',
  settings: AckSettings,
  secrets: AckSecrets,
  example: {
    name: 'ack-prod',
    settings: { region_id: 'cn-hangzhou' },
    secrets: { access_key_id: 'LTAI5tExampleKeyId', access_key_secret: 'example-access-key-secret' },
  },
  cluster_spec: ACK_CLUSTER_SPEC,
} as const satisfies VendorCredentialSchema;
