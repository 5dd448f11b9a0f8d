import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { UserDto } from './user.dto.js';

export class LoginDto {
  @ApiProperty({ example: 'admin' })
  @IsString()
  @MinLength(1)
  @MaxLength(63)
  username: string;

  @ApiProperty({ writeOnly: true })
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  password: string;
}

export class LoginResponseDto {
  @ApiProperty({ description: 'JWT to send as `Authorization: Bearer <token>`' }) access_token: string;
  @ApiProperty({ example: 'Bearer' }) token_type: 'Bearer';
  @ApiProperty({ description: 'Seconds until the token expires', example: 3600 }) expires_in: number;
  @ApiProperty({
    example: 'berth_rt_Qm3x0Vb7LkT2sN9pWc4YhJd8AeGr1uKo5fZq6t8R2e',
    description:
      'Opaque, works once: POST /auth/refresh returns a new access token and a new refresh token. Presenting a used one again ends the session (it was copied). Logout ends it too.',
  })
  refresh_token: string;
  @ApiProperty({ description: 'Seconds until the refresh token expires unused', example: 1209600 })
  refresh_expires_in: number;
  @ApiProperty({ type: UserDto }) user: UserDto;
}
