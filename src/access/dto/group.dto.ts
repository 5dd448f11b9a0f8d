import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { PageQueryDto } from '../../common/pagination.dto.js';
import { OptionalNotNull } from '../../common/validators.js';

const GROUP_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const GROUP_NAME_MSG =
  'name must be 1-63 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit';
const lower = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;

export const CONNECTORS = ['oidc', 'ldap'] as const;
export type Connector = (typeof CONNECTORS)[number];

/** One SSO group that maps to a Berth group: its members (at their next login) become members. */
export class GroupMappingDto {
  @ApiProperty({ enum: CONNECTORS, example: 'oidc', description: 'The SSO connector the group comes from' })
  @IsIn(CONNECTORS)
  connector: Connector;

  @ApiProperty({
    example: 'platform-team',
    maxLength: 1024,
    description:
      'oidc: a value of the groups claim, compared exactly; ldap: the group’s DN (compared case-insensitively, spaces around "," and "=" ignored)',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  external_group: string;
}

export class GroupDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'platform' }) name: string;
  @ApiProperty({ type: String, nullable: true, example: 'Runs the staging clusters' })
  description: string | null;
  @ApiProperty({ type: [GroupMappingDto], description: 'SSO groups whose members are members of this group' })
  mappings: GroupMappingDto[];
  @ApiProperty({ example: 3 }) member_count: number;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export class CreateGroupDto {
  @ApiProperty({ example: 'platform', description: GROUP_NAME_MSG })
  @Transform(lower)
  @IsString()
  @Matches(GROUP_NAME, { message: GROUP_NAME_MSG })
  name: string;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: 1024,
    example: 'Runs the staging clusters',
  })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  description?: string | null;

  @ApiPropertyOptional({
    type: [GroupMappingDto],
    maxItems: 100,
    example: [{ connector: 'oidc', external_group: 'platform-team' }],
  })
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => GroupMappingDto)
  mappings?: GroupMappingDto[];
}

export class UpdateGroupDto {
  @ApiPropertyOptional({ example: 'platform', description: GROUP_NAME_MSG })
  @OptionalNotNull()
  @Transform(lower)
  @IsString()
  @Matches(GROUP_NAME, { message: GROUP_NAME_MSG })
  name?: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 1024, description: 'null clears it' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  description?: string | null;

  @ApiPropertyOptional({
    type: [GroupMappingDto],
    maxItems: 100,
    description: 'Replaces the whole list ([] removes every mapping)',
    example: [{ connector: 'ldap', external_group: 'cn=platform,ou=groups,dc=example,dc=com' }],
  })
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => GroupMappingDto)
  mappings?: GroupMappingDto[];
}

export class GroupListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Substring of the name' })
  @OptionalNotNull()
  @IsString()
  @MaxLength(63)
  q?: string;
}

export class GroupMemberDto {
  @ApiProperty({ format: 'uuid' }) user_id: string;
  @ApiProperty({ example: 'alice' }) username: string;
  @ApiProperty({
    enum: ['local', 'oidc', 'ldap'],
    description:
      'local: added through this API (kept until removed); oidc / ldap: from the connector’s group mapping, replaced at each login through it',
  })
  source: 'local' | 'oidc' | 'ldap';
  @ApiProperty({ format: 'date-time' }) added_at: string;
}
