import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';

export class RefreshDto {
  @ApiProperty({
    writeOnly: true,
    description: 'The refresh_token of the last login or refresh answer (each one works once)',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  refresh_token: string;
}
