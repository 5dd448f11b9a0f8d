import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDate,
  IsString,
  IsUUID,
  Matches,
  ValidateNested,
} from 'class-validator';
import { GrantDto, GrantScopeDto } from '../../../access/dto/grant.dto.js';
import { PageQueryDto } from '../../../common/pagination.dto.js';
import { OptionalNotNull, toBool } from '../../../common/validators.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9 ._:/-]{0,99}$/;
const NAME_MSG = 'name must be 1-100 letters, digits, spaces or "._:/-", starting with a letter or digit';

export class CreateTokenDto {
  @ApiProperty({ example: 'portal-staging', description: NAME_MSG })
  @IsString()
  @Matches(NAME, { message: NAME_MSG })
  name: string;

  @ApiProperty({
    type: String,
    format: 'date-time',
    example: '2027-03-01T00:00:00Z',
    description:
      'When the token stops working: in the future, at most BERTH_TOKEN_MAX_TTL_DAYS (90) days ahead',
  })
  @Type(() => Date)
  @IsDate()
  expires_at: Date;

  @ApiProperty({
    type: [GrantScopeDto],
    minItems: 1,
    maxItems: 20,
    description:
      'What the token may do. Each grant must be covered by one of the creator’s own grants (403 naming the grant otherwise); at use the token also never exceeds its owner’s current grants.',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => GrantScopeDto)
  grants: GrantScopeDto[];

  @ApiPropertyOptional({
    format: 'uuid',
    description:
      'A service account to create the token for (needs principals.manage); leave out for yourself',
  })
  @OptionalNotNull()
  @IsUUID()
  user_id?: string;
}

export class RotateTokenDto {
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'A new expiry (same limits as at creation); leave out to keep the current one',
  })
  @OptionalNotNull()
  @Type(() => Date)
  @IsDate()
  expires_at?: Date;
}

export class TokenListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Tokens of this user (others than yourself need principals.manage)',
  })
  @OptionalNotNull()
  @IsUUID()
  user_id?: string;

  @ApiPropertyOptional({ description: 'Include revoked tokens', default: false })
  @OptionalNotNull()
  @Transform(toBool)
  @IsBoolean()
  include_revoked?: boolean;
}

export class TokenDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'portal-staging', description: 'What the token is for' }) name: string;
  @ApiProperty({ format: 'uuid', description: 'The owner: the token acts as this user' }) user_id: string;
  @ApiProperty({ example: 'portal-bot', description: 'The owner’s username' }) username: string;
  @ApiProperty({
    example: 'berth_pat_…x9Qb2K',
    description: 'The prefix and last characters of the secret, to tell tokens apart',
  })
  hint: string;
  @ApiProperty({ enum: ['active', 'expired', 'revoked'], description: 'Whether it works now' }) status:
    'active' | 'expired' | 'revoked';
  @ApiProperty({ type: [GrantDto], description: 'The token’s own grants' }) grants: GrantDto[];
  @ApiProperty({ format: 'date-time', description: 'When it stops working' }) expires_at: string;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When it was revoked; null if not',
  })
  revoked_at: string | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When its secret was last replaced',
  })
  rotated_at: string | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Recorded at most once a minute per instance',
  })
  last_used_at: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: '10.0.4.17',
    description: 'Client address of the last use',
  })
  last_used_ip: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'Who created it' })
  created_by: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class CreatedTokenDto extends TokenDto {
  @ApiProperty({
    example: 'berth_pat_3kTz0f9QmLx2VbN8rWcYp4HdJs7AeGu1qKo5x9Qb2K',
    description:
      'The secret, shown only in this answer (Berth stores its SHA-256): send it as `Authorization: Bearer <token>`',
  })
  token: string;
}
