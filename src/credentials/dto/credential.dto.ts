import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { IsEnum, IsObject, IsString, MaxLength, IsOptional } from 'class-validator';
import { PageQueryDto } from '../../common/pagination.dto.js';
import { ResourceName, OptionalNotNull } from '../../common/validators.js';
import { CredentialProvider } from '../credential-provider.js';
import { CREDENTIAL_SCHEMAS } from '../credential-schemas.js';

const oneOf = (part: 'settings' | 'secrets') => ({
  oneOf: Object.values(CREDENTIAL_SCHEMAS).map((s) => ({ $ref: getSchemaPath(s[part]) })),
});

export class CreateCredentialDto {
  @ResourceName({ example: 'ack-prod' })
  name: string;

  @ApiProperty({ enum: CredentialProvider, enumName: 'CredentialProvider' })
  @IsEnum(CredentialProvider)
  provider: CredentialProvider;

  @ApiPropertyOptional({ type: String, maxLength: 1000, nullable: true, description: 'null clears it' })
  @IsOptional() // null clears it
  @IsString()
  @MaxLength(1000)
  description?: string | null;

  @ApiProperty({ description: 'Non-secret settings; fields depend on the provider', ...oneOf('settings') })
  @IsObject()
  settings: Record<string, unknown>;

  @ApiProperty({
    description: 'Secret fields; write-only, never returned',
    writeOnly: true,
    ...oneOf('secrets'),
  })
  @IsObject()
  secrets: Record<string, unknown>;
}

export class UpdateCredentialDto {
  @ResourceName({ optional: true })
  name?: string;

  @ApiPropertyOptional({ type: String, maxLength: 1000, nullable: true })
  @IsOptional() // null clears it
  @IsString()
  @MaxLength(1000)
  description?: string | null;

  @ApiPropertyOptional({
    description: 'Settings to change (merged into the current ones)',
    ...oneOf('settings'),
  })
  @OptionalNotNull()
  @IsObject()
  settings?: Record<string, unknown>;

  @ApiPropertyOptional({
    description: 'Secret fields to replace (merged into the current ones)',
    writeOnly: true,
    ...oneOf('secrets'),
  })
  @OptionalNotNull()
  @IsObject()
  secrets?: Record<string, unknown>;
}

export class CredentialDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: CredentialProvider, enumName: 'CredentialProvider' }) provider: CredentialProvider;
  @ApiProperty({ type: String, nullable: true }) description: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) settings: Record<string, unknown>;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { access_key_id: '****e4Id', access_key_secret: '****' },
    description: 'A masked hint per secret field; secrets themselves are never returned',
  })
  secret_hints: Record<string, string>;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) created_by: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export class CredentialQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: CredentialProvider, enumName: 'CredentialProvider' })
  @OptionalNotNull()
  @IsEnum(CredentialProvider)
  provider?: CredentialProvider;

  @ApiPropertyOptional({ description: 'Substring of the name' })
  @OptionalNotNull()
  @IsString()
  @MaxLength(63)
  q?: string;
}
