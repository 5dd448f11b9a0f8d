import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, Max, Min, ValidateNested } from 'class-validator';
import { AutoscalingDto, NodePoolSpecDto } from '../../clusters/dto/provision.dto.js';
import { OptionalNotNull } from '../../common/validators.js';

export class CreateNodePoolDto extends NodePoolSpecDto {}

export class UpdateNodePoolDto {
  @ApiPropertyOptional({ minimum: 0, maximum: 1000, description: 'Absolute number of nodes' })
  @OptionalNotNull()
  @IsInt()
  @Min(0)
  @Max(1000)
  desired_size?: number;

  @ApiPropertyOptional({ type: AutoscalingDto, description: 'Autoscaling bounds (min/max size)' })
  @OptionalNotNull()
  @ValidateNested()
  @Type(() => AutoscalingDto)
  autoscaling?: AutoscalingDto;
}

export class NodePoolDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) cluster_id: string;
  @ApiProperty() provider: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The vendor’s pool id (null while Berth creates it)',
  })
  vendor_pool_id: string | null;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['provisioning', 'active', 'scaling', 'updating', 'deleting', 'failed'] })
  status: string;
  @ApiProperty() desired_size: number;
  @ApiProperty() total_nodes: number;
  @ApiProperty() ready_nodes: number;
  @ApiProperty({ type: [String] }) instance_types: string[];
  @ApiProperty({ type: AutoscalingDto, nullable: true }) autoscaling: AutoscalingDto | null;
  @ApiProperty({ type: String, nullable: true }) last_error: string | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When the vendor last reported it',
  })
  synced_at: string | null;
  @ApiProperty({
    description:
      'True when the vendor was slow or down for this read: the record is the one stored at synced_at, not the vendor’s answer now',
    example: false,
  })
  stale: boolean;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export class NodeRecordDto {
  @ApiProperty() instance_id: string;
  @ApiProperty({ type: String, nullable: true }) node_name: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) pool_id: string | null;
  @ApiProperty() provider: string;
  @ApiProperty({ type: String, nullable: true }) ip: string | null;
  @ApiProperty({ description: 'The vendor’s instance state' }) state: string;
}
