import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsEnum,
  IsIn,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
} from 'class-validator';
import { PageQueryDto } from '../../common/pagination.dto.js';
import { OptionalNotNull } from '../../common/validators.js';
import { GrantRole, Verb } from '../roles.js';

const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Role and scope: what a grant gives and where (a token's grants are given in this shape too). */
export class GrantScopeDto {
  @ApiProperty({ enum: GrantRole, enumName: 'GrantRole', example: GrantRole.VIEW })
  @IsEnum(GrantRole)
  role: GrantRole;

  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    maxItems: 100,
    description: 'These clusters only. Leave out (with cluster_selector) for every cluster.',
  })
  @OptionalNotNull()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true })
  cluster_ids?: string[];

  @ApiPropertyOptional({
    maxLength: 1024,
    example: 'env=staging',
    description:
      'Clusters whose labels match this Kubernetes label selector (k=v, k!=v, k in (a,b), k notin (a,b), k, !k); clusters labelled later match at once. Not with cluster_ids.',
  })
  @OptionalNotNull()
  @IsString()
  @MaxLength(1024)
  cluster_selector?: string;

  @ApiPropertyOptional({
    type: [String],
    maxItems: 100,
    description:
      'Only inside these namespaces (cluster-scoped objects and lists over every namespace then need another grant). Leave out for every namespace.',
  })
  @OptionalNotNull()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(63, { each: true })
  @Matches(NAMESPACE, { each: true, message: 'each namespace must be a DNS label' })
  namespaces?: string[];

  @ApiPropertyOptional({
    maxLength: 1024,
    description:
      'Only inside namespaces whose labels match this selector (read live from the cluster). Not with namespaces.',
  })
  @OptionalNotNull()
  @IsString()
  @MaxLength(1024)
  namespace_selector?: string;
}

export class CreateGrantDto extends GrantScopeDto {
  @ApiProperty({
    enum: ['user', 'group'],
    description: 'Who receives it (API tokens get their grants when they are created)',
  })
  @IsIn(['user', 'group'])
  subject_type: 'user' | 'group';

  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  subject_id: string;

  @ApiPropertyOptional({ maxLength: 500 })
  @OptionalNotNull()
  @IsString()
  @MaxLength(500)
  description?: string;
}

export class GrantDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['user', 'group', 'token'] }) subject_type: 'user' | 'group' | 'token';
  @ApiProperty({ format: 'uuid' }) subject_id: string;
  @ApiProperty({ enum: GrantRole, enumName: 'GrantRole' }) role: GrantRole;
  @ApiProperty({ type: [String], nullable: true, description: 'null: not limited to a list' })
  cluster_ids: string[] | null;
  @ApiProperty({ type: String, nullable: true }) cluster_selector: string | null;
  @ApiProperty({ type: [String], nullable: true, description: 'null: every namespace' })
  namespaces: string[] | null;
  @ApiProperty({ type: String, nullable: true }) namespace_selector: string | null;
  @ApiProperty({ type: [String], enum: Verb, enumName: 'Verb', description: 'What the role allows' })
  verbs: Verb[];
  @ApiProperty({
    type: String,
    nullable: true,
    enum: ['role'],
    description: '`role`: kept in step with the user’s role preset (change the user’s role to change it)',
  })
  managed_by: 'role' | null;
  @ApiProperty({ type: String, nullable: true }) description: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The group that gives it (effective grants only)',
  })
  via_group: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) created_by: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class GrantListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    enum: ['user', 'group', 'token'],
    description: 'Only grants of this kind of subject',
  })
  @OptionalNotNull()
  @IsIn(['user', 'group', 'token'])
  subject_type?: 'user' | 'group' | 'token';

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Only grants of this subject (user, group or token id)',
  })
  @OptionalNotNull()
  @IsUUID()
  subject_id?: string;

  @ApiPropertyOptional({ enum: GrantRole, enumName: 'GrantRole', description: 'Only grants of this role' })
  @OptionalNotNull()
  @IsEnum(GrantRole)
  role?: GrantRole;
}

export class AccessReviewDto {
  @ApiPropertyOptional({
    enum: ['user', 'token'],
    description: 'Whose access to review; leave out (with subject_id) for the caller itself',
  })
  @OptionalNotNull()
  @IsIn(['user', 'token'])
  subject_type?: 'user' | 'token';

  @ApiPropertyOptional({ format: 'uuid' })
  @OptionalNotNull()
  @IsUUID()
  subject_id?: string;

  @ApiProperty({ enum: Verb, enumName: 'Verb', example: Verb.OBJECTS_WRITE })
  @IsEnum(Verb)
  verb: Verb;

  @ApiPropertyOptional({ format: 'uuid', description: 'Leave out for verbs that are not about one cluster' })
  @OptionalNotNull()
  @IsUUID()
  cluster_id?: string;

  @ApiPropertyOptional({ maxLength: 63, description: 'Leave out for cluster-wide' })
  @OptionalNotNull()
  @IsString()
  @MaxLength(63)
  @Matches(NAMESPACE, { message: 'namespace must be a DNS label' })
  namespace?: string;
}

export class AccessReviewResultDto {
  @ApiProperty() allowed: boolean;
  @ApiProperty({
    enum: ['allow', 'forbidden', 'hidden'],
    description:
      'hidden: no grant at all where asked (the API answers 404); forbidden: visible, but no role with the verb (403)',
  })
  decision: 'allow' | 'forbidden' | 'hidden';
  @ApiProperty({ enum: Verb, enumName: 'Verb' }) verb: Verb;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) cluster_id: string | null;
  @ApiProperty({ type: String, nullable: true }) namespace: string | null;
  @ApiProperty({ type: [GrantDto], description: 'The subject’s grants that give the verb there' })
  matched_grants: GrantDto[];
}
