import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsString, IsUrl, Matches, MaxLength, MinLength } from 'class-validator';
import { CredentialProvider } from './credential-provider.js';
import { OptionalNotNull } from '../common/validators.js';

const URL_OPTS = { protocols: ['http', 'https'], require_protocol: true, require_tld: false };
const REGION = /^[a-z]{2,}(-[a-z0-9]+)+$/;

export class RancherSettings {
  @ApiProperty({ example: 'https://rancher.example.com', description: 'Rancher server URL' })
  @IsUrl(URL_OPTS)
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
  @ApiProperty({ example: 'token-abcde:xxxxxxxx', description: 'Rancher API token "token-xxxxx:secret"' })
  @Matches(/^token-[a-z0-9]+:[A-Za-z0-9]+$/, { message: 'token must look like "token-xxxxx:secret"' })
  @MaxLength(512)
  token: string;
}

export class AckSettings {
  @ApiProperty({ example: 'cn-hangzhou' })
  @Matches(REGION, { message: 'region_id must look like "cn-hangzhou"' })
  region_id: string;

  @ApiPropertyOptional({ example: 'https://cs.cn-hangzhou.aliyuncs.com', description: 'Override of the CS API endpoint' })
  @OptionalNotNull()
  @IsUrl(URL_OPTS)
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

export class TkeSettings {
  @ApiProperty({ example: 'ap-guangzhou' })
  @Matches(REGION, { message: 'region must look like "ap-guangzhou"' })
  region: string;

  @ApiPropertyOptional({ example: 'https://tke.tencentcloudapi.com', description: 'Override of the TKE API endpoint' })
  @OptionalNotNull()
  @IsUrl(URL_OPTS)
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

export class HarborSettings {
  @ApiProperty({ example: 'https://harbor.example.com' })
  @IsUrl(URL_OPTS)
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

type Ctor = new () => object;

/** What each provider's credential holds: non-secret settings and secret fields, validated per provider. */
export const CREDENTIAL_SCHEMAS: Record<CredentialProvider, { settings: Ctor; secrets: Ctor }> = {
  [CredentialProvider.RANCHER]: { settings: RancherSettings, secrets: RancherSecrets },
  [CredentialProvider.ACK]: { settings: AckSettings, secrets: AckSecrets },
  [CredentialProvider.TKE]: { settings: TkeSettings, secrets: TkeSecrets },
  [CredentialProvider.HARBOR]: { settings: HarborSettings, secrets: HarborSecrets },
};

export const CREDENTIAL_SCHEMA_MODELS = Object.values(CREDENTIAL_SCHEMAS).flatMap((s) => [s.settings, s.secrets]);
