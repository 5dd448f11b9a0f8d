import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsString, IsUrl, MaxLength, MinLength } from 'class-validator';
import { OptionalNotNull } from '../../common/validators.js';
import { ENDPOINT_URL_OPTIONS, type VendorCredentialSchema } from '../../credentials/credential-schema.js';

export class HarborSettings {
  @ApiProperty({ example: 'https://harbor.example.com' })
  @IsUrl(ENDPOINT_URL_OPTIONS)
  @MaxLength(2048)
  endpoint: string;

  @ApiProperty({ example: 'admin' })
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  username: string;

  @ApiPropertyOptional({ default: false })
  @OptionalNotNull()
  @IsBoolean()
  insecure_skip_tls_verify?: boolean;
}

export class HarborSecrets {
  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password: string;
}

export const HARBOR_CREDENTIAL_SCHEMA = {
  provider: 'harbor',
  kind: 'registry',
  settings: HarborSettings,
  secrets: HarborSecrets,
  example: {
    name: 'harbor-prod',
    settings: { endpoint: 'https://harbor.example.com', username: 'robot$berth' },
    secrets: { password: 'example-harbor-password' },
  },
} as const satisfies VendorCredentialSchema;
