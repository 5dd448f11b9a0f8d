import { Body, Controller, Get, HttpCode, Ip, Post, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Audit } from '../../common/audit/audit.decorator.js';
import { envelope } from '../../common/envelope.js';
import { ApiErrors, ApiOkEnvelope } from '../../common/swagger.js';
import { Public } from '../authenticated.decorator.js';
import {
  LdapLoginDto,
  OidcLoginQueryDto,
  OidcLoginUrlDto,
  OidcTokenExchangeDto,
  SsoLoginResponseDto,
} from './dto/sso.dto.js';
import { LdapService } from './ldap.service.js';
import { OidcService } from './oidc.service.js';
import { SsoSessions } from './sso-sessions.js';

@ApiTags('auth')
@Controller('auth')
export class SsoController {
  constructor(
    private readonly oidc: OidcService,
    private readonly ldap: LdapService,
    private readonly sessions: SsoSessions,
  ) {}

  @Get('oidc/login')
  @Public()
  @ApiOperation({
    summary: 'Start an OIDC browser login: 302 to the issuer (authorization code with PKCE)',
    description:
      'State, nonce and the PKCE verifier stay in Berth (Redis) for BERTH_OIDC_STATE_TTL_SECONDS; the issuer sends the browser back to GET /auth/oidc/callback.',
  })
  @ApiResponse({
    status: 302,
    description: 'To the issuer’s authorization endpoint',
    headers: { location: { description: 'The issuer’s authorization URL', schema: { type: 'string' } } },
  })
  @ApiOkEnvelope(OidcLoginUrlDto, {
    description: 'With format=json: the URL, for a page that navigates itself',
  })
  @ApiErrors(400, 404, 503)
  async oidcLogin(@Query() q: OidcLoginQueryDto, @Res() reply: FastifyReply) {
    const url = await this.oidc.loginUrl();
    reply.header('cache-control', 'no-store');
    if (q.format === 'json') return reply.code(200).send(envelope({ authorization_url: url }));
    return reply.code(302).header('location', url).send();
  }

  @Get('oidc/callback')
  @Audit('auth.sso-login', 'auth')
  @Public()
  @ApiOperation({
    summary:
      'The issuer’s redirect back: exchanges the code, verifies the ID token, answers the Berth session',
    description:
      'Answers the session as JSON, or — when BERTH_OIDC_UI_REDIRECT_URL is set — 302 to that URL with `#access_token=…&token_type=Bearer&expires_in=…` in the fragment (never in the query, so it stays out of server logs). The user is provisioned on first login (role none); its OIDC-sourced group memberships follow the groups claim through the group mappings.',
  })
  @ApiQuery({
    name: 'code',
    required: false,
    type: String,
    description: 'The authorization code the issuer sent',
  })
  @ApiQuery({
    name: 'state',
    required: false,
    type: String,
    description: 'The state Berth sent with the login',
  })
  @ApiQuery({
    name: 'iss',
    required: false,
    type: String,
    description: 'The issuer, when it names itself in the response (RFC 9207)',
  })
  @ApiQuery({
    name: 'error',
    required: false,
    type: String,
    description: 'The issuer’s error code when it refused the login',
  })
  @ApiOkEnvelope(SsoLoginResponseDto)
  @ApiResponse({
    status: 302,
    description: 'With BERTH_OIDC_UI_REDIRECT_URL: to the UI, the session in the fragment',
    headers: {
      location: { description: 'The UI URL with the session in the fragment', schema: { type: 'string' } },
    },
  })
  @ApiErrors(401, 404, 409, 503)
  async oidcCallback(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '';
    const result = this.sessions.record(req, await this.oidc.callback(query));
    const ui = this.sessions.uiRedirect(result);
    reply.header('cache-control', 'no-store');
    if (ui) return reply.code(302).header('location', ui).send();
    return reply.code(200).send(envelope(result));
  }

  @Post('oidc/token')
  @Audit('auth.sso-login', 'auth')
  @HttpCode(200)
  @Public()
  @ApiOperation({
    summary: 'Exchange a token of the configured OIDC issuer for a Berth session (portals)',
    description:
      'For clients that already hold an ID token or JWT access token of the issuer: verified against the issuer’s JWKS, `iss`, `aud` (BERTH_OIDC_AUDIENCES) and `exp`; then the user is provisioned and its groups synced exactly as in the browser flow.',
  })
  @ApiOkEnvelope(SsoLoginResponseDto)
  @ApiErrors(400, 401, 404, 409, 503)
  async oidcToken(@Req() req: FastifyRequest, @Body() dto: OidcTokenExchangeDto) {
    return this.sessions.record(req, await this.oidc.exchange(dto.token));
  }

  @Post('ldap/login')
  @Audit('auth.sso-login', 'auth')
  @HttpCode(200)
  @Public()
  @ApiOperation({
    summary: 'Log in with an LDAP directory account; failed attempts are rate-limited',
  })
  @ApiOkEnvelope(SsoLoginResponseDto)
  @ApiErrors(400, 401, 404, 409, 429, 503)
  async ldapLogin(@Req() req: FastifyRequest, @Body() dto: LdapLoginDto, @Ip() ip: string) {
    return this.sessions.record(req, await this.ldap.login(dto.username, dto.password, ip));
  }
}
