import type { FleetStatus } from '../../kube/cluster-fan-out.js';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsInt, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { PageQueryDto } from '../../common/pagination.dto.js';
import { toBool } from '../../kube/dto/resource.dto.js';
import { PROJECT_NAME, PROJECT_NAME_MSG, REPOSITORY_PATH, REPOSITORY_PATH_MSG } from '../registry-params.js';
import { OptionalNotNull } from '../../common/validators.js';

export class ProjectDto {
  @ApiProperty({ example: 'team-a' }) name: string;
  @ApiProperty({ description: 'The registry’s own id of the project', example: '3' }) vendor_id: string;
  @ApiProperty() public: boolean;
  @ApiProperty() repository_count: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) created_at: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) updated_at: string | null;
}

export class ProjectQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Substring of the project name' })
  @OptionalNotNull()
  @IsString()
  @MaxLength(255)
  q?: string;
}

export class CreateProjectDto {
  @ApiProperty({ example: 'team-a', description: PROJECT_NAME_MSG })
  @IsString()
  @Matches(PROJECT_NAME, { message: PROJECT_NAME_MSG })
  @MaxLength(255)
  name: string;

  @ApiPropertyOptional({ default: false, description: 'Anyone may pull from a public project' })
  @OptionalNotNull()
  @IsBoolean()
  public?: boolean;
}

export class UpdateProjectDto {
  @ApiProperty({ description: 'Anyone may pull from a public project' })
  @IsBoolean()
  public: boolean;
}

export class DeleteProjectQueryDto {
  @ApiPropertyOptional({
    default: false,
    description: 'Delete the project’s repositories (and their artifacts) first',
  })
  @OptionalNotNull()
  @Transform(toBool)
  @IsBoolean()
  force?: boolean;
}

export class RepositoryDto {
  @ApiProperty({
    example: 'team/api',
    description: 'Name inside the project (may contain "/"; URL-encode it in paths)',
  })
  name: string;
  @ApiProperty({ example: 'team-a/team/api' }) full_name: string;
  @ApiProperty() artifact_count: number;
  @ApiProperty() pull_count: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) created_at: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) updated_at: string | null;
}

export class TagDto {
  @ApiProperty({ example: '1.27' }) name: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) pushed_at: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'null: never pulled' })
  pulled_at: string | null;
  @ApiProperty() immutable: boolean;
}

export class ArtifactDto {
  @ApiProperty({ example: 'sha256:4f5c…' }) digest: string;
  @ApiProperty({ description: 'Bytes' }) size: number;
  @ApiProperty({ type: String, nullable: true, example: 'IMAGE' }) type: string | null;
  @ApiProperty({ type: String, nullable: true }) media_type: string | null;
  @ApiProperty({ type: [TagDto] }) tags: TagDto[];
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) pushed_at: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'null: never pulled' })
  pulled_at: string | null;
}

export class ArtifactUsageQueryDto {
  @ApiPropertyOptional({
    example: 'team-a/team/api',
    description:
      'The artifact’s repository as "<project>/<repository>"; without it every repository of the registry is searched',
  })
  @OptionalNotNull()
  @IsString()
  @Matches(REPOSITORY_PATH, { message: REPOSITORY_PATH_MSG })
  @MaxLength(512)
  repository?: string;

  @ApiPropertyOptional({
    minimum: 100,
    maximum: 30000,
    description: 'Per-cluster deadline (default: the configured kube timeout)',
  })
  @OptionalNotNull()
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(30000)
  timeout_ms?: number;
}

export class UsagePodDto {
  @ApiProperty({ format: 'uuid' }) cluster_id: string;
  @ApiProperty() cluster_name: string;
  @ApiProperty() namespace: string;
  @ApiProperty() pod: string;
  @ApiProperty({ type: String, nullable: true }) node: string | null;
  @ApiProperty({ type: String, nullable: true }) phase: string | null;
  @ApiProperty({ type: [String], description: 'Containers (init containers included) running the artifact' })
  containers: string[];
}

export class UsageClusterDto {
  @ApiProperty({ format: 'uuid' }) cluster_id: string;
  @ApiProperty() cluster_name: string;
  @ApiProperty({ enum: ['ok', 'timeout', 'unreachable', 'forbidden', 'error'] }) status: FleetStatus;
  @ApiProperty() latency_ms: number;
  @ApiProperty({ description: 'Pods of this cluster running the artifact' }) pods: number;
  @ApiProperty({
    type: [String],
    nullable: true,
    description: 'The namespaces searched when the caller’s grants cover only these; null: every namespace',
  })
  namespaces: string[] | null;
  @ApiProperty({
    type: 'object',
    nullable: true,
    properties: { code: { type: 'integer' }, message: { type: 'string' } },
  })
  error: { code: number; message: string } | null;
}

export class ArtifactUsageDto {
  @ApiProperty() digest: string;
  @ApiProperty({ example: 'team-a/team/api', description: '"<project>/<repository>" holding the artifact' })
  repository: string;
  @ApiProperty({ type: [String] }) tags: string[];
  @ApiProperty({ type: [String], description: 'Image references that count as this artifact' })
  references: string[];
  @ApiProperty({ type: [UsagePodDto] }) pods: UsagePodDto[];
  @ApiProperty({ type: [UsageClusterDto], description: 'Each cluster’s outcome' })
  clusters: UsageClusterDto[];
}

export class DeleteProjectResultDto {
  @ApiProperty({ description: 'Repositories deleted first (force=true)' }) deleted_repositories: number;
}
