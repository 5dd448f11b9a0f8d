import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../common/pagination.dto.js';
import { PROJECT_NAME, PROJECT_NAME_MSG } from '../registry-params.js';
import { OptionalNotNull } from '../../common/validators.js';

const SECRET_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export class CreateImagePullSecretDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  registry_id: string;

  @ApiProperty({ example: 'team-a', description: 'The registry project the robot account may pull from' })
  @IsString()
  @Matches(PROJECT_NAME, { message: PROJECT_NAME_MSG })
  @MaxLength(255)
  project: string;

  @ApiPropertyOptional({
    example: 'harbor-team-a',
    description: 'Secret name (default "<registry>-<project>")',
  })
  @OptionalNotNull()
  @IsString()
  @Matches(SECRET_NAME, { message: 'name must be a Kubernetes object name (lowercase DNS subdomain)' })
  @MaxLength(253)
  name?: string;
}

export class ImagePullSecretDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) cluster_id: string;
  @ApiProperty() namespace: string;
  @ApiProperty({ description: 'Secret name (type kubernetes.io/dockerconfigjson)' }) name: string;
  @ApiProperty({ format: 'uuid' }) registry_id: string;
  @ApiProperty() project: string;
  @ApiProperty({ description: 'The registry’s id of the robot account' }) robot_id: string;
  @ApiProperty({ example: 'robot$team-a+berth-3f2a…' }) robot_name: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) created_by: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class ImagePullSecretQueryDto extends PageQueryDto {}
