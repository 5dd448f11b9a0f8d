import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../common/pagination.dto.js';
import { OperationStatus, OperationType } from '../operation-types.js';
import { OptionalNotNull } from '../../common/validators.js';

export class OperationErrorDto {
  @ApiProperty({ description: 'Berth error code (see ErrorCode)' }) code: number;
  @ApiProperty() message: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true })
  details?: Record<string, unknown> | null;
}

export class OperationDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: OperationType, enumName: 'OperationType' }) type: OperationType;
  @ApiProperty({ enum: OperationStatus, enumName: 'OperationStatus' }) status: OperationStatus;
  @ApiProperty({ minimum: 0, maximum: 100 }) progress: number;
  @ApiProperty({ type: String, nullable: true, description: 'What the operation is doing now' }) message:
    string | null;
  @ApiProperty({ example: 'clusters' }) target_type: string;
  @ApiProperty({ type: String, nullable: true }) target_id: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) input: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) result: Record<
    string,
    unknown
  > | null;
  @ApiProperty({ type: OperationErrorDto, nullable: true }) error: OperationErrorDto | null;
  @ApiProperty({ type: String, nullable: true }) idempotency_key: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) created_by: string | null;
  @ApiProperty({ description: 'How many times a worker started it' }) attempts: number;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) started_at: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finished_at: string | null;
}

export class OperationQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: OperationType, enumName: 'OperationType' })
  @OptionalNotNull()
  @IsEnum(OperationType)
  type?: OperationType;

  @ApiPropertyOptional({ enum: OperationStatus, enumName: 'OperationStatus' })
  @OptionalNotNull()
  @IsEnum(OperationStatus)
  status?: OperationStatus;

  @ApiPropertyOptional({ example: 'clusters' })
  @OptionalNotNull()
  @IsString()
  @MaxLength(64)
  target_type?: string;

  @ApiPropertyOptional()
  @OptionalNotNull()
  @IsString()
  @MaxLength(200)
  target_id?: string;
}
