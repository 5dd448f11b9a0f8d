import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsEnum, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { PageQueryDto } from '../../common/pagination.dto.js';
import { Role } from '../role.js';
import { GrantDto } from '../../access/dto/grant.dto.js';
import { OptionalNotNull } from '../../common/validators.js';

const USERNAME = /^[a-z0-9][a-z0-9._-]{1,62}$/;
const USERNAME_MSG =
  'username must be 2-63 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit';

export class UserDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'alice' }) username: string;
  @ApiProperty({
    enum: Role,
    enumName: 'Role',
    description:
      'Role preset: kept as one grant on every cluster (viewer → view, operator → cluster-admin, admin → admin; none → no preset, explicit grants only)',
  })
  role: Role;
  @ApiProperty({
    enum: ['human', 'service'],
    description: 'service: a service account (API tokens only, no password login)',
  })
  kind: 'human' | 'service';
  @ApiProperty({
    enum: ['local', 'oidc', 'ldap'],
    description: 'local: password login; oidc / ldap: signs in through that SSO connector only',
  })
  source: 'local' | 'oidc' | 'ldap';
  @ApiProperty() disabled: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) last_login_at: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export class CreateUserDto {
  @ApiProperty({ example: 'alice', description: USERNAME_MSG })
  @Transform(({ value }) => (typeof value === 'string' ? value.trim().toLowerCase() : value))
  @IsString()
  @Matches(USERNAME, { message: USERNAME_MSG })
  username: string;

  @ApiProperty({ minLength: 8, maxLength: 256, writeOnly: true })
  @IsString()
  @MinLength(8)
  @MaxLength(256)
  password: string;

  @ApiProperty({ enum: Role, enumName: 'Role' })
  @IsEnum(Role)
  role: Role;
}

export class UpdateUserDto {
  @ApiPropertyOptional({ minLength: 8, maxLength: 256, writeOnly: true })
  @OptionalNotNull()
  @IsString()
  @MinLength(8)
  @MaxLength(256)
  password?: string;

  @ApiPropertyOptional({ enum: Role, enumName: 'Role' })
  @OptionalNotNull()
  @IsEnum(Role)
  role?: Role;

  @ApiPropertyOptional({ description: 'A disabled user cannot log in; their tokens are revoked' })
  @OptionalNotNull()
  @IsBoolean()
  disabled?: boolean;
}

export class UserListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: Role, enumName: 'Role' })
  @OptionalNotNull()
  @IsEnum(Role)
  role?: Role;

  @ApiPropertyOptional({ description: 'Substring of the username' })
  @OptionalNotNull()
  @IsString()
  @MaxLength(63)
  q?: string;
}

export class MeDto extends UserDto {
  @ApiProperty({
    type: [GrantDto],
    description: 'Every grant the user acts with: its own and its groups’ (via_group)',
  })
  grants: GrantDto[];

  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The API token used for this call (null for a login token)',
  })
  token_id: string | null;

  @ApiProperty({
    type: [GrantDto],
    nullable: true,
    description:
      'With an API token: its own grants (it acts only where both these and the user’s grants allow)',
  })
  token_grants: GrantDto[] | null;
}
