import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsIn, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../pagination.dto.js';
import { OptionalNotNull } from '../validators.js';

export class AuditLogDto {
  @ApiProperty() id: string;
  @ApiProperty({ format: 'date-time' }) occurred_at: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) actor_id: string | null;
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The API token the request acted with; null for a login session',
  })
  token_id: string | null;
  @ApiProperty({ description: 'Username, or the attempted username for logins, or "anonymous"' })
  actor_name: string;
  @ApiProperty({ example: 'credentials.create' }) action: string;
  @ApiProperty({ example: 'POST' }) method: string;
  @ApiProperty({ example: '/api/v1/credentials' }) path: string;
  @ApiProperty({ type: String, nullable: true, example: 'credentials' }) target_type: string | null;
  @ApiProperty({ type: String, nullable: true }) target_id: string | null;
  @ApiProperty({ enum: ['success', 'failure'] }) outcome: 'success' | 'failure';
  @ApiProperty({
    example: 201,
    description: 'HTTP status of the answer; 0 for an event recorded on its own (token.new-address)',
  })
  status_code: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Envelope error code when the request failed' })
  error_code: number | null;
  @ApiProperty() request_id: string;
  @ApiProperty({ type: String, nullable: true }) ip: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description:
      'Sessions (pod.exec, pod.attach, pod.portforward): namespace, pod, container, command, ports, protocol, started_at, ended_at, duration_ms, bytes_from_client, bytes_to_client, end_reason, close_code (the WebSocket close code of a session limit, else null)',
  })
  details: Record<string, unknown> | null;
}

export class AuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Actor username' })
  @OptionalNotNull()
  @IsString()
  @MaxLength(63)
  actor?: string;

  @ApiPropertyOptional({ example: 'credentials.create' })
  @OptionalNotNull()
  @IsString()
  @MaxLength(100)
  action?: string;

  @ApiPropertyOptional({ example: 'credentials' })
  @OptionalNotNull()
  @IsString()
  @MaxLength(100)
  target_type?: string;

  @ApiPropertyOptional()
  @OptionalNotNull()
  @IsString()
  @MaxLength(200)
  target_id?: string;

  @ApiPropertyOptional({ enum: ['success', 'failure'] })
  @OptionalNotNull()
  @IsIn(['success', 'failure'])
  outcome?: 'success' | 'failure';

  @ApiPropertyOptional({ format: 'date-time', description: 'Entries at or after this time' })
  @OptionalNotNull()
  @Type(() => Date)
  @IsDate()
  since?: Date;

  @ApiPropertyOptional({ format: 'date-time', description: 'Entries at or before this time' })
  @OptionalNotNull()
  @Type(() => Date)
  @IsDate()
  until?: Date;
}
