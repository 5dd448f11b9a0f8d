import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsString, MaxLength, MinLength, IsOptional } from 'class-validator';
import { PageQueryDto } from '../../common/pagination.dto.js';
import { IsLabelMap, ResourceName, OptionalNotNull } from '../../common/validators.js';
import { ClusterProvider, ClusterStatus } from '../cluster.entity.js';

/** Fields every cluster record has, whether imported or created at a vendor. */
export class ClusterAttributesDto {
  @ApiPropertyOptional({
    type: String,
    maxLength: 200,
    example: 'Production (Hangzhou)',
    nullable: true,
    description: 'null clears it',
  })
  @IsOptional() // null clears it
  @IsString()
  @MaxLength(200)
  display_name?: string | null;

  @ApiPropertyOptional({ maxLength: 2000 })
  @OptionalNotNull()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { env: 'prod', team: 'payments' },
  })
  @OptionalNotNull()
  @IsLabelMap()
  labels?: Record<string, string>;

  @ApiPropertyOptional({
    type: String,
    maxLength: 100,
    example: 'Hangzhou',
    nullable: true,
    description: 'null clears it',
  })
  @IsOptional() // null clears it
  @IsString()
  @MaxLength(100)
  city?: string | null;

  @ApiPropertyOptional({
    type: String,
    maxLength: 100,
    example: 'Xihu',
    nullable: true,
    description: 'null clears it',
  })
  @IsOptional() // null clears it
  @IsString()
  @MaxLength(100)
  district?: string | null;
}

/** A credential for the cluster: a kubeconfig, or server + token. */
class ClusterCredentialDto extends ClusterAttributesDto {
  @ApiPropertyOptional({
    description:
      'Kubeconfig (YAML). Only inline credentials: exec, auth-provider, tokenFile and file paths are refused with 422. ' +
      'Give either kubeconfig or server + token.',
    writeOnly: true,
  })
  @OptionalNotNull()
  @IsString()
  @MaxLength(4 * 1024 * 1024)
  kubeconfig?: string;

  @ApiPropertyOptional({ description: 'Context to use; required when the kubeconfig has several' })
  @OptionalNotNull()
  @IsString()
  @MaxLength(253)
  context?: string;

  @ApiPropertyOptional({ example: 'https://10.0.0.1:6443', description: 'API server URL (with token)' })
  @OptionalNotNull()
  @IsString()
  @MaxLength(2048)
  server?: string;

  @ApiPropertyOptional({
    description:
      'Bearer token (with server). Surrounding whitespace is trimmed; a line break, NUL, control or non-ASCII character inside is refused with 422.',
    writeOnly: true,
  })
  @OptionalNotNull()
  @IsString()
  @MinLength(1)
  @MaxLength(16384)
  token?: string;

  @ApiPropertyOptional({ description: 'base64 PEM CA of the API server (with server)' })
  @OptionalNotNull()
  @IsString()
  @MaxLength(65536)
  ca_data?: string;

  @ApiPropertyOptional({ default: false })
  @OptionalNotNull()
  @IsBoolean()
  insecure_skip_tls_verify?: boolean;

  @ApiPropertyOptional({ default: false, description: 'Save even when the probe fails (status unavailable)' })
  @OptionalNotNull()
  @IsBoolean()
  force?: boolean;
}

export class ImportClusterDto extends ClusterCredentialDto {
  @ResourceName({ example: 'prod-hz' })
  name: string;
}

export class UpdateClusterDto extends ClusterCredentialDto {
  @ResourceName({ optional: true })
  name?: string;

  @ApiPropertyOptional({
    description:
      'Vendor clusters whose provider supports it: deletion protection at the vendor (an operation)',
  })
  @OptionalNotNull()
  @IsBoolean()
  deletion_protection?: boolean;
}

export const SHOWN_STATUSES = [...Object.values(ClusterStatus), 'stale'] as const;
export type ShownStatus = (typeof SHOWN_STATUSES)[number];

export class ClusterDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ type: String, nullable: true }) display_name: string | null;
  @ApiProperty({ type: String, nullable: true }) description: string | null;
  @ApiProperty({ enum: ClusterProvider, enumName: 'ClusterProvider' }) provider: ClusterProvider;
  @ApiProperty({
    enum: SHOWN_STATUSES,
    description: '"stale" when the cluster was not probed within the stale window, whatever its last result',
  })
  status: ShownStatus;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) labels: Record<string, string>;
  @ApiProperty({ type: String, nullable: true }) city: string | null;
  @ApiProperty({ type: String, nullable: true }) district: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'API server URL' }) server: string | null;
  @ApiProperty({ type: String, nullable: true, enum: ['token', 'client-certificate'] }) auth_type:
    string | null;
  @ApiProperty({ type: String, nullable: true, example: 'v1.36.3' }) version: string | null;
  @ApiProperty({ type: Number, nullable: true }) node_count: number | null;
  @ApiProperty({ type: Number, nullable: true }) ready_node_count: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Latency of the last probe' }) latency_ms:
    number | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) last_probed_at: string | null;
  @ApiProperty({ type: String, nullable: true }) last_error: string | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description:
      'When the credential in the kubeconfig the vendor issued expires (Rancher token TTL, ACK kubeconfig expiration); Berth fetches a new one before then, and on a 401. Null for imported clusters and credentials without an expiry.',
  })
  credential_expires_at: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) credential_id: string | null;
  @ApiProperty({ type: String, nullable: true }) region: string | null;
  @ApiProperty({ type: String, nullable: true }) vendor_cluster_id: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) created_by: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export class ClusterQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ClusterProvider, enumName: 'ClusterProvider' })
  @OptionalNotNull()
  @IsIn(Object.values(ClusterProvider))
  provider?: ClusterProvider;

  @ApiPropertyOptional({ enum: SHOWN_STATUSES })
  @OptionalNotNull()
  @IsIn(SHOWN_STATUSES)
  status?: ShownStatus;

  @ApiPropertyOptional({ description: 'Label filter "k=v,k2=v2" (all must match), e.g. `env=prod`' })
  @OptionalNotNull()
  @IsString()
  @MaxLength(1000)
  label?: string;

  @ApiPropertyOptional({ description: 'Substring of name or display name' })
  @OptionalNotNull()
  @IsString()
  @MaxLength(100)
  q?: string;

  @ApiPropertyOptional({
    enum: ['name', '-name', 'created_at', '-created_at', 'status', '-status', 'version', '-version'],
    default: 'name',
  })
  @OptionalNotNull()
  @IsIn(['name', '-name', 'created_at', '-created_at', 'status', '-status', 'version', '-version'])
  sort?: string;
}

export class ClusterHealthDto {
  @ApiProperty({ format: 'uuid' }) cluster_id: string;
  @ApiProperty({ enum: [ClusterStatus.ACTIVE, ClusterStatus.UNAVAILABLE] }) status: ClusterStatus;
  @ApiProperty({ type: String, nullable: true }) version: string | null;
  @ApiProperty({ type: Number, nullable: true }) node_count: number | null;
  @ApiProperty({ type: Number, nullable: true }) ready_node_count: number | null;
  @ApiProperty() latency_ms: number;
  @ApiProperty({ format: 'date-time' }) probed_at: string;
  @ApiProperty({
    type: 'object',
    nullable: true,
    properties: { code: { type: 'integer' }, message: { type: 'string' } },
  })
  error: { code: number; message: string } | null;
}
