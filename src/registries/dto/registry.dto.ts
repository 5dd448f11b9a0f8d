import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsString, IsUrl, IsUUID, MaxLength, IsOptional } from 'class-validator';
import { PageQueryDto } from '../../common/pagination.dto.js';
import { ResourceName, OptionalNotNull } from '../../common/validators.js';
import { RegistryProviderName } from '../registry.entity.js';

const URL_OPTS = { protocols: ['http', 'https'], require_protocol: true, require_tld: false };

export class CreateRegistryDto {
  @ResourceName({ example: 'harbor-prod' })
  name: string;

  @ApiProperty({ enum: RegistryProviderName, enumName: 'RegistryProviderName' })
  @IsEnum(RegistryProviderName)
  provider: RegistryProviderName;

  @ApiProperty({
    example: 'https://harbor.example.com',
    description: 'Registry URL; its host is what image references use',
  })
  @IsUrl(URL_OPTS)
  @MaxLength(2048)
  endpoint: string;

  @ApiProperty({
    format: 'uuid',
    description: 'A stored credential of the same provider (POST /credentials, provider "harbor")',
  })
  @IsUUID()
  credential_id: string;

  @ApiPropertyOptional({ type: String, maxLength: 1000, nullable: true, description: 'null clears it' })
  @IsOptional() // null clears it
  @IsString()
  @MaxLength(1000)
  description?: string | null;
}

export class UpdateRegistryDto {
  @ResourceName({ optional: true })
  name?: string;

  @ApiPropertyOptional({ example: 'https://harbor.example.com' })
  @OptionalNotNull()
  @IsUrl(URL_OPTS)
  @MaxLength(2048)
  endpoint?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @OptionalNotNull()
  @IsUUID()
  credential_id?: string;

  @ApiPropertyOptional({ type: String, maxLength: 1000, nullable: true, description: 'null clears it' })
  @IsOptional() // null clears it
  @IsString()
  @MaxLength(1000)
  description?: string | null;
}

export class RegistryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: RegistryProviderName, enumName: 'RegistryProviderName' })
  provider: RegistryProviderName;
  @ApiProperty({ example: 'https://harbor.example.com' }) endpoint: string;
  @ApiProperty({
    example: 'harbor.example.com',
    description: 'Host part of image references (<host>/<project>/<repository>)',
  })
  host: string;
  @ApiProperty({ format: 'uuid' }) credential_id: string;
  @ApiProperty({ type: String, nullable: true }) description: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) created_by: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export class RegistryQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: RegistryProviderName, enumName: 'RegistryProviderName' })
  @OptionalNotNull()
  @IsEnum(RegistryProviderName)
  provider?: RegistryProviderName;

  @ApiPropertyOptional({ format: 'uuid' })
  @OptionalNotNull()
  @IsUUID()
  credential_id?: string;

  @ApiPropertyOptional({ description: 'Substring of the name' })
  @OptionalNotNull()
  @IsString()
  @MaxLength(63)
  q?: string;
}

export class RegistryComponentDto {
  @ApiProperty({ example: 'registry' }) name: string;
  @ApiProperty({ example: 'healthy' }) status: string;
  @ApiProperty({ type: String, nullable: true }) error: string | null;
}

export class RegistryHealthDto {
  @ApiProperty({ format: 'uuid' }) registry_id: string;
  @ApiProperty({ enum: ['healthy', 'unhealthy'] }) status: 'healthy' | 'unhealthy';
  @ApiProperty({ type: String, nullable: true, example: 'v2.11.0' }) version: string | null;
  @ApiProperty({ type: [RegistryComponentDto] }) components: RegistryComponentDto[];
  @ApiProperty() latency_ms: number;
  @ApiProperty({ format: 'date-time' }) checked_at: string;
}
