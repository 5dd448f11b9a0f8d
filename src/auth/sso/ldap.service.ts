import { Inject, Injectable, Logger } from '@nestjs/common';
import { Client, InvalidCredentialsError, type Entry } from 'ldapts';
import { AppError } from '../../common/app-error.js';
import { ErrorCode } from '../../common/error-codes.js';
import { OutboundPolicy } from '../../common/outbound/outbound-policy.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import type { LoginResponseDto } from '../dto/login.dto.js';
import { LoginThrottle } from '../login-throttle.js';
import { fillFilter } from './ldap-filter.js';
import { SsoUsersService } from './sso-users.service.js';

const WRONG = 'Wrong username or password';

/** Opens LDAP connections to the configured server (the seam for timeouts and TLS). */
@Injectable()
export class LdapDirectory {
  private readonly cfg: AppConfig['sso']['ldap'];
  private readonly policy: OutboundPolicy;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.cfg = config.sso.ldap;
    this.policy = new OutboundPolicy(config.outbound);
  }

  /**
   * A connected client, bound as `dn`. ldapts opens its own socket (it takes no agent), so the outbound
   * policy is checked on the server's resolved addresses right before connecting.
   */
  async bound(dn: string, password: string): Promise<Client> {
    const url = new URL(this.cfg.url!);
    const refused = await this.policy.check(url.hostname);
    if (refused) throw refused;
    const client = new Client({
      url: this.cfg.url!,
      timeout: this.cfg.timeout_ms,
      connectTimeout: this.cfg.timeout_ms,
    });
    try {
      if (this.cfg.start_tls) await client.startTLS({ servername: url.hostname });
      await client.bind(dn, password);
      return client;
    } catch (e) {
      await client.unbind().catch(() => undefined);
      throw e;
    }
  }
}

const first = (v: Entry[string] | undefined): string | undefined => {
  const x = Array.isArray(v) ? v[0] : v;
  return x === undefined ? undefined : Buffer.isBuffer(x) ? x.toString('utf8') : String(x);
};
const all = (v: Entry[string] | undefined): string[] =>
  (v === undefined ? [] : Array.isArray(v) ? v : [v]).map((x) =>
    Buffer.isBuffer(x) ? x.toString('utf8') : String(x),
  );

/**
 * The LDAP connector: the service account searches the user by the configured filter (the login name
 * escaped per RFC 4515), Berth binds as the user's DN with the password (an empty password is refused
 * before any bind: a DN without a password is an unauthenticated bind that many servers answer with
 * success), then reads the user's groups (memberOf, or a group search) and maps them through the group
 * mappings. Attempts are throttled like password logins (their own budget, `ldap:<username>`).
 */
@Injectable()
export class LdapService {
  private readonly logger = new Logger(LdapService.name);
  private readonly cfg: AppConfig['sso']['ldap'];

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly directory: LdapDirectory,
    private readonly throttle: LoginThrottle,
    private readonly users: SsoUsersService,
  ) {
    this.cfg = config.sso.ldap;
  }

  async login(
    rawUsername: string,
    password: string,
    ip: string,
  ): Promise<{ session: LoginResponseDto; groups: string[] }> {
    if (!this.cfg.url)
      throw new AppError(ErrorCode.NOT_FOUND, 'LDAP sign-in is not configured (BERTH_LDAP_URL)');
    const username = rawUsername.trim();
    const key = `ldap:${username.toLowerCase()}`;
    await this.throttle.take(key, ip);
    const authTime = Date.now();
    if (!password) throw new AppError(ErrorCode.INVALID_CREDENTIALS, WRONG);
    const { dn, entry } = await this.findUser(username);
    if (!dn) throw new AppError(ErrorCode.INVALID_CREDENTIALS, WRONG);
    let asUser: Client | undefined;
    try {
      asUser = await this.directory.bound(dn, password);
    } catch (e) {
      if (e instanceof InvalidCredentialsError) throw new AppError(ErrorCode.INVALID_CREDENTIALS, WRONG);
      throw this.unavailable(e);
    } finally {
      await asUser?.unbind().catch(() => undefined);
    }
    const groups = await this.groupsOf(dn, username, entry);
    const result = await this.users.signIn(
      {
        source: 'ldap',
        issuer: this.cfg.url,
        subject: dn,
        username: first(entry[this.cfg.username_attribute]) ?? username,
        groups,
      },
      authTime,
    );
    await this.throttle.succeeded(key, ip);
    return result;
  }

  /** The one entry the filter finds for this login name (none, or more than one: no login). */
  private async findUser(username: string): Promise<{ dn: string | null; entry: Entry }> {
    const svc = await this.service();
    try {
      const { searchEntries } = await svc.search(this.cfg.user_base!, {
        scope: 'sub',
        filter: fillFilter(this.cfg.user_filter, { username }),
        attributes: ['dn', this.cfg.username_attribute, this.cfg.group_attribute],
        sizeLimit: 2,
      });
      if (searchEntries.length !== 1) return { dn: null, entry: { dn: '' } };
      return { dn: searchEntries[0].dn, entry: searchEntries[0] };
    } catch (e) {
      if ((e as { code?: number }).code === 4) return { dn: null, entry: { dn: '' } }; // size limit: ambiguous
      throw this.unavailable(e);
    } finally {
      await svc.unbind().catch(() => undefined);
    }
  }

  private async groupsOf(dn: string, username: string, entry: Entry): Promise<string[]> {
    if (!this.cfg.group_base) return all(entry[this.cfg.group_attribute]);
    const svc = await this.service();
    try {
      const { searchEntries } = await svc.search(this.cfg.group_base, {
        scope: 'sub',
        filter: fillFilter(this.cfg.group_filter, { dn, username }),
        attributes: ['dn'],
      });
      return searchEntries.map((e) => e.dn);
    } catch (e) {
      throw this.unavailable(e);
    } finally {
      await svc.unbind().catch(() => undefined);
    }
  }

  private async service(): Promise<Client> {
    try {
      return await this.directory.bound(this.cfg.bind_dn!, this.cfg.bind_password!);
    } catch (e) {
      throw this.unavailable(e);
    }
  }

  private unavailable(e: unknown): AppError {
    if (e instanceof AppError) return e;
    this.logger.warn(`LDAP server ${this.cfg.url} failed: ${(e as Error)?.message ?? String(e)}`);
    return new AppError(
      ErrorCode.DEPENDENCY_UNAVAILABLE,
      'The LDAP server is unavailable; try again shortly',
      { dependency: 'ldap' },
      { 'retry-after': '5' },
    );
  }
}
