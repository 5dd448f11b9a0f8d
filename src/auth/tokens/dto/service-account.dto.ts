import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, Matches } from 'class-validator';

const NAME = /^[a-z0-9][a-z0-9._-]{1,62}$/;
const NAME_MSG =
  'name must be 2-63 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit (it is the account’s username)';

export class CreateServiceAccountDto {
  @ApiProperty({ example: 'portal-bot', description: NAME_MSG })
  @Transform(({ value }) => (typeof value === 'string' ? value.trim().toLowerCase() : value))
  @IsString()
  @Matches(NAME, { message: NAME_MSG })
  name: string;
}

export class ServiceAccountDto {
  @ApiProperty({ format: 'uuid', description: 'The user id (grants and tokens name it)' }) id: string;
  @ApiProperty({ example: 'portal-bot', description: 'Its username' }) name: string;
  @ApiProperty({ description: 'A disabled account’s tokens are refused' }) disabled: boolean;
  @ApiProperty({ description: 'Tokens neither revoked nor expired', example: 1 }) active_tokens: number;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}
