import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, MaxLength, MinLength } from 'class-validator';
import { OptionalNotNull } from '../../../common/validators.js';
import { LoginResponseDto } from '../../dto/login.dto.js';

export class SsoLoginResponseDto extends LoginResponseDto {
  @ApiProperty({
    type: [String],
    example: ['platform'],
    description: 'The Berth groups this login made the user a member of through the group mappings',
  })
  groups: string[];
}

export class OidcTokenExchangeDto {
  @ApiProperty({
    description:
      'An ID token, or an access token in JWT form, issued by the configured OIDC issuer to one of the allowed audiences (BERTH_OIDC_AUDIENCES, default the client id)',
    maxLength: 16384,
    writeOnly: true,
    example: 'eyJhbGciOiJSUzI1NiIsImtpZCI6Ii4uLiJ9.eyJpc3MiOiIuLi4ifQ.c2ln',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(16384)
  token: string;
}

export class LdapLoginDto {
  @ApiProperty({ example: 'alice', description: 'The login name the LDAP user filter looks up' })
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  username: string;

  @ApiProperty({ writeOnly: true, description: 'Never empty: an empty password is refused before any bind' })
  @IsString()
  @MaxLength(1024)
  password: string;
}

export class OidcLoginQueryDto {
  @ApiPropertyOptional({
    enum: ['json'],
    description: 'json: answer the authorization URL as JSON (200) instead of redirecting to it (302)',
  })
  @OptionalNotNull()
  @IsIn(['json'])
  format?: 'json';
}

export class OidcLoginUrlDto {
  @ApiProperty({
    description: 'The issuer’s authorization URL to send the browser to',
    example: 'https://idp.example/auth?client_id=berth&response_type=code&state=…',
  })
  authorization_url: string;
}
