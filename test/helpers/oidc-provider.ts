/**
 * A real OpenID provider for the OIDC connector's tests: the certified `oidc-provider` package on a free
 * loopback port, with a confidential client for Berth (code flow, PKCE required), two more clients (a
 * portal whose ID tokens Berth accepts, and another it does not), a `groups` scope and claim, and a
 * signing key the test also holds (to craft expired or foreign-audience tokens signed by the issuer).
 * Its dev interactions are its login and consent pages; `browserLogin` walks them with plain HTTP.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import * as jose from 'jose';
import Provider from 'oidc-provider';
import { freePort } from './own-services.js';

export interface IdpUser {
  username: string;
  email: string;
  groups: string[];
}

export class OwnOidcProvider {
  readonly users = new Map<string, IdpUser>();
  private server?: http.Server;
  private key!: jose.CryptoKey | Uint8Array;
  readonly kid = `k-${randomBytes(3).toString('hex')}`;

  private constructor(
    readonly port: number,
    readonly berthSecret: string,
  ) {}

  get issuer(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Picks the port first: Berth's config needs the issuer before the provider needs Berth's callback. */
  static async reserve(): Promise<OwnOidcProvider> {
    return new OwnOidcProvider(await freePort(), randomBytes(16).toString('hex'));
  }

  async start(berthCallback: string): Promise<void> {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = { ...privateKey.export({ format: 'jwk' }), kid: this.kid, alg: 'RS256', use: 'sig' };
    this.key = await jose.importJWK(jwk, 'RS256');
    const users = this.users;
    const client = (client_id: string) => ({
      client_id,
      client_secret: client_id === 'berth' ? this.berthSecret : `${client_id}-secret`,
      redirect_uris: [client_id === 'berth' ? berthCallback : `http://127.0.0.1:9/${client_id}/callback`],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_post',
    });
    const provider = new Provider(this.issuer, {
      clients: [client('berth'), client('portal'), client('other')],
      jwks: { keys: [jwk as never] },
      pkce: { required: () => true },
      scopes: ['openid', 'profile', 'email', 'groups'],
      claims: {
        openid: ['sub'],
        profile: ['preferred_username'],
        email: ['email'],
        groups: ['groups'],
      },
      // The groups claim goes into the ID token itself (not only into userinfo).
      conformIdTokenClaims: false,
      cookies: { keys: [randomBytes(16).toString('hex')] },
      features: { devInteractions: { enabled: true } },
      findAccount: (_ctx: unknown, id: string) => {
        const u = users.get(id);
        if (!u) return undefined;
        return {
          accountId: id,
          claims: () => ({ sub: id, preferred_username: u.username, email: u.email, groups: [...u.groups] }),
        };
      },
    } as never);
    this.server = http.createServer(provider.callback());
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', r));
  }

  /** A JWT signed with the issuer's own key (as the issuer would sign one) with these claims. */
  async sign(claims: jose.JWTPayload, key: jose.CryptoKey | Uint8Array = this.key, kid = this.kid) {
    return new jose.SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid })
      .setIssuer(this.issuer)
      .setIssuedAt()
      .sign(key);
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((r) => this.server!.close(r));
  }
}

/** A tiny cookie jar, per host:port. */
class Jar {
  private readonly cookies = new Map<string, Map<string, string>>();
  header(url: URL): string {
    return [...(this.cookies.get(url.host) ?? new Map()).entries()].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  take(url: URL, res: Response): void {
    const jar = this.cookies.get(url.host) ?? new Map<string, string>();
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      jar.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
    }
    this.cookies.set(url.host, jar);
  }
}

/**
 * Walks the provider's pages like a browser would, from the authorization URL Berth redirected to: the
 * login form (as `accountId`), the consent form, until the provider sends the browser to `callbackPrefix`.
 * Answers that callback URL (not followed: the test calls Berth itself).
 */
export async function browserLogin(authorizeUrl: string, accountId: string, callbackPrefix: string) {
  const jar = new Jar();
  let url = new URL(authorizeUrl);
  let method = 'GET';
  let body: string | undefined;
  for (let hop = 0; hop < 20; hop++) {
    if (url.toString().startsWith(callbackPrefix)) return url.toString();
    const res = await fetch(url, {
      method,
      redirect: 'manual',
      headers: {
        cookie: jar.header(url),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body,
    });
    jar.take(url, res);
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get('location')!, url);
      method = 'GET';
      body = undefined;
      continue;
    }
    const html = await res.text();
    if (res.status !== 200)
      throw new Error(`the provider answered ${res.status} at ${url}: ${html.slice(0, 500)}`);
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
    if (!action || !prompt) throw new Error(`no form on the provider's page ${url}: ${html.slice(0, 500)}`);
    url = new URL(action.replace(/&amp;/g, '&'), url);
    method = 'POST';
    body = new URLSearchParams(
      prompt === 'login' ? { prompt, login: accountId, password: 'any' } : { prompt },
    ).toString();
  }
  throw new Error('too many redirects in the provider login');
}
