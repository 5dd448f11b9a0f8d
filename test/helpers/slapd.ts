/**
 * A real OpenLDAP `slapd` (Debian's package; scripts/test installs it) for the LDAP connector's tests: its
 * own slapd.conf, mdb database and port in a temp dir, the memberOf overlay on, entries loaded with
 * `ldapadd` as the directory's root. Never a shared directory.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './own-services.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const LDAP_SUFFIX = 'dc=berth,dc=test';
export const LDAP_ROOT_DN = `cn=admin,${LDAP_SUFFIX}`;
const ROOT_PW = 'root-secret';
export const LDAP_SERVICE_DN = `cn=berth-svc,ou=services,${LDAP_SUFFIX}`;
export const LDAP_SERVICE_PASSWORD = 'svc-secret';

export class OwnSlapd {
  private proc?: ChildProcess;
  private stderr = '';

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `ldap://127.0.0.1:${this.port}`;
  }

  static async create(): Promise<OwnSlapd> {
    const s = new OwnSlapd(mkdtempSync('/tmp/berth-own-slapd-'), await freePort());
    mkdirSync(join(s.dir, 'data'));
    const schema = ['core', 'cosine', 'inetorgperson', 'nis'];
    writeFileSync(
      join(s.dir, 'slapd.conf'),
      [
        ...schema.map((n) => `include /etc/ldap/schema/${n}.schema`),
        'modulepath /usr/lib/ldap',
        'moduleload back_mdb',
        'moduleload memberof',
        `pidfile ${join(s.dir, 'slapd.pid')}`,
        // The server itself would accept a DN with an empty password (an "unauthenticated bind", RFC 4513
        // 5.1.2): Berth must refuse it on its own, not count on the directory to.
        'allow bind_anon_dn',
        'database mdb',
        `suffix "${LDAP_SUFFIX}"`,
        `rootdn "${LDAP_ROOT_DN}"`,
        `rootpw ${ROOT_PW}`,
        `directory ${join(s.dir, 'data')}`,
        'maxsize 16777216',
        'overlay memberof',
        'memberof-refint TRUE',
        'access to attrs=userPassword by anonymous auth by self write by * none',
        `access to * by dn.exact="${LDAP_SERVICE_DN}" read by self read by anonymous auth by * none`,
        '',
      ].join('\n'),
    );
    await s.start();
    await s.add(`dn: ${LDAP_SUFFIX}
objectClass: dcObject
objectClass: organization
dc: berth
o: Berth test

dn: ou=people,${LDAP_SUFFIX}
objectClass: organizationalUnit
ou: people

dn: ou=groups,${LDAP_SUFFIX}
objectClass: organizationalUnit
ou: groups

dn: ou=services,${LDAP_SUFFIX}
objectClass: organizationalUnit
ou: services

dn: ${LDAP_SERVICE_DN}
objectClass: person
cn: berth-svc
sn: service
userPassword: ${LDAP_SERVICE_PASSWORD}
`);
    return s;
  }

  private async start(): Promise<void> {
    this.proc = spawn(
      '/usr/sbin/slapd',
      ['-f', join(this.dir, 'slapd.conf'), '-h', this.url + '/', '-d', '0'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.proc.stderr?.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    for (let i = 0; i < 100; i++) {
      if (this.proc.exitCode !== null) break;
      if (await this.answers()) return;
      await sleep(50);
    }
    throw new Error(`slapd on ${this.port} did not start: ${this.stderr}`);
  }

  private answers(): Promise<boolean> {
    return new Promise((resolve) => {
      const s = createConnection({ port: this.port, host: '127.0.0.1' });
      s.setTimeout(300, () => (s.destroy(), resolve(false)));
      s.on('error', () => resolve(false));
      s.on('connect', () => (s.destroy(), resolve(true)));
    });
  }

  /** Adds entries (LDIF) with ldapadd, bound as the directory's root. */
  async add(ldif: string): Promise<void> {
    await this.ldap('ldapadd', [], ldif);
  }

  /** Applies an LDIF change (changetype: modify / delete) with ldapmodify. */
  async modify(ldif: string): Promise<void> {
    await this.ldap('ldapmodify', [], ldif);
  }

  private async ldap(tool: string, args: string[], input: string): Promise<void> {
    const file = join(this.dir, `in-${Date.now()}-${Math.random().toString(36).slice(2)}.ldif`);
    writeFileSync(file, input);
    await run(tool, ['-x', '-H', this.url, '-D', LDAP_ROOT_DN, '-w', ROOT_PW, '-f', file, ...args], {
      timeout: 30_000,
    });
  }

  async destroy(): Promise<void> {
    const p = this.proc;
    if (p && p.exitCode === null) {
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await Promise.race([exited, sleep(3000)]);
      if (p.exitCode === null) p.kill('SIGKILL');
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** An inetOrgPerson under ou=people. */
export function ldapUser(uid: string, password: string, extra = ''): string {
  return `dn: uid=${uid},ou=people,${LDAP_SUFFIX}
objectClass: inetOrgPerson
uid: ${uid}
cn: ${uid}
sn: ${uid}
mail: ${uid}@berth.test
userPassword: ${password}
${extra}`;
}

/** A groupOfNames under ou=groups with these member uids (memberOf is kept by the overlay). */
export function ldapGroup(cn: string, uids: string[]): string {
  return `dn: cn=${cn},ou=groups,${LDAP_SUFFIX}
objectClass: groupOfNames
cn: ${cn}
${uids.map((u) => `member: uid=${u},ou=people,${LDAP_SUFFIX}`).join('\n')}
`;
}
