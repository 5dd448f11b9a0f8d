import { Body, Controller, Get, HttpCode, Ip, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiOkEnvelope } from '../common/swagger.js';
import { Audit } from '../common/audit/audit.decorator.js';
import { AuthService } from './auth.service.js';
import { Authenticated, CurrentUser, Public } from './authenticated.decorator.js';
import { LoginDto, LoginResponseDto } from './dto/login.dto.js';
import { MeDto } from './dto/user.dto.js';
import { RefreshDto } from './tokens/dto/refresh.dto.js';
import type { AuthUser } from './role.js';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('login')
  @Audit('auth.login', 'auth')
  @HttpCode(200)
  @Public()
  @ApiOperation({
    summary:
      'Log in with username and password; returns a JWT and a refresh token. Failed attempts are rate-limited. Service accounts cannot log in.',
  })
  @ApiOkEnvelope(LoginResponseDto)
  @ApiErrors(400, 401, 429, 503)
  login(@Body() dto: LoginDto, @Ip() ip: string) {
    return this.auth.login(dto, ip);
  }

  @Post('refresh')
  @Audit('auth.refresh', 'auth')
  @HttpCode(200)
  @Public()
  @ApiOperation({
    summary: 'Trade a refresh token for a new access token and refresh token (each refresh token works once)',
    description:
      'A refresh token presented a second time ends its whole session (every refresh and access token of that login): it was copied. Attempts are rate-limited per address like logins.',
  })
  @ApiOkEnvelope(LoginResponseDto)
  @ApiErrors(400, 401, 429, 503)
  refresh(@Body() dto: RefreshDto, @Ip() ip: string) {
    return this.auth.refresh(dto, ip);
  }

  @Post('logout')
  @Audit('auth.logout', 'auth')
  @HttpCode(200)
  @Authenticated()
  @ApiOperation({
    summary:
      'Revoke the bearer token used for this call (a login token: with its refresh token and the whole session; an API token: the token)',
  })
  @ApiOkEnvelope(null)
  logout(@CurrentUser() user: AuthUser) {
    return this.auth.logout(user);
  }

  @Get('me')
  @Authenticated()
  @ApiOperation({ summary: 'The user behind the bearer token, with the grants it acts with' })
  @ApiOkEnvelope(MeDto)
  me(@CurrentUser() user: AuthUser) {
    return this.auth.me(user);
  }
}
