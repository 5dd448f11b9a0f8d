import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import type { LoginResponseDto } from '../dto/login.dto.js';
import type { SsoLoginResponseDto } from './dto/sso.dto.js';

/** How an SSO login is answered and recorded. */
@Injectable()
export class SsoSessions {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** The audit row names the user the login was for (its id as the target) and the groups it got. */
  record(req: FastifyRequest, r: { session: LoginResponseDto; groups: string[] }): SsoLoginResponseDto {
    req.audit = { ...req.audit, actorName: r.session.user.username, targetId: r.session.user.id };
    return { ...r.session, groups: r.groups };
  }

  /** With a configured UI URL: where the browser goes, the session in the fragment. */
  uiRedirect(r: SsoLoginResponseDto): string | null {
    const ui = this.config.sso.oidc.ui_redirect_url;
    if (!ui) return null;
    const u = new URL(ui);
    u.hash = new URLSearchParams({
      access_token: r.access_token,
      token_type: r.token_type,
      expires_in: String(r.expires_in),
    }).toString();
    return u.toString();
  }
}
