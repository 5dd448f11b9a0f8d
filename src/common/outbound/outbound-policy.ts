import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';

/**
 * Which addresses Berth may open connections to on behalf of a user: cluster API servers and vendor
 * endpoints (Rancher, Harbor, ACK, TKE). Checked on the RESOLVED address right before connecting (see
 * guarded-agent.ts), so a name that later resolves elsewhere (DNS rebinding) cannot get around it.
 *
 * Precedence: an `allow` entry wins over everything (it is the one way to reach a denied address);
 * then the extra `deny` entries; then the built-in denials (unspecified, link-local, cloud metadata,
 * and loopback unless `allow_loopback`).
 */
export interface OutboundPolicyConfig {
  /** Loopback (127.0.0.0/8, ::1) is reachable. Default: true outside production, false in production. */
  allow_loopback: boolean;
  /** CIDRs, addresses or host names ("*.corp.example" matches subdomains) always allowed. */
  allow: string[];
  /** CIDRs, addresses or host names denied in addition to the built-in ones. */
  deny: string[];
}

interface Cidr {
  v6: boolean;
  bytes: Uint8Array;
  prefix: number;
  text: string;
}

type Rule = { kind: 'cidr'; cidr: Cidr } | { kind: 'host'; host: string; wildcard: boolean };

/** The built-in denials, each with the reason reported (in logs and in 422 answers). */
const BUILT_IN: { cidr: string; reason: string }[] = [
  { cidr: '0.0.0.0/8', reason: 'unspecified ("this network") address' },
  { cidr: '::/128', reason: 'unspecified address' },
  { cidr: '169.254.169.254/32', reason: 'cloud metadata address' },
  { cidr: '100.100.100.200/32', reason: 'cloud metadata address (Alibaba Cloud)' },
  { cidr: 'fd00:ec2::254/128', reason: 'cloud metadata address (AWS IPv6)' },
  { cidr: '169.254.0.0/16', reason: 'link-local address' },
  { cidr: 'fe80::/10', reason: 'link-local address' },
];
const LOOPBACK: { cidr: string; reason: string }[] = [
  { cidr: '127.0.0.0/8', reason: 'loopback address' },
  { cidr: '::1/128', reason: 'loopback address' },
];

/** Ends every refusal's message, so a refusal wrapped by an SDK (which keeps only the message) is still recognised. */
export const OUTBOUND_POLICY_MARK = 'outbound policy';

/** Whether an error (or its cause, or an SDK's wrapper of it) is a refusal by the outbound policy. */
export function isOutboundRefusal(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown; cause?: { code?: unknown } } | null;
  return (
    err?.code === 'EBERTH_OUTBOUND_REFUSED' ||
    err?.cause?.code === 'EBERTH_OUTBOUND_REFUSED' ||
    (typeof err?.message === 'string' && err.message.endsWith(`(${OUTBOUND_POLICY_MARK})`))
  );
}

/** An address the policy refuses; `code` lets network-error handlers recognise it. */
export class OutboundRefusedError extends Error {
  readonly code = 'EBERTH_OUTBOUND_REFUSED';
  constructor(
    readonly host: string,
    readonly address: string,
    readonly reason: string,
  ) {
    super(
      `${host === address ? `${address} is` : `${host} resolves to ${address}, which is`} ${article(reason)} Berth may not connect to (${OUTBOUND_POLICY_MARK})`,
    );
  }
}

const article = (reason: string) => `${/^[aeiou]/i.test(reason) ? 'an' : 'a'} ${reason}`;

/** Parses an IPv4 or IPv6 address to bytes (4 or 16); IPv4-mapped IPv6 (::ffff:a.b.c.d) becomes IPv4. */
export function parseAddress(address: string): { v6: boolean; bytes: Uint8Array } | null {
  const a = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(a);
  if (family === 4) return { v6: false, bytes: Uint8Array.from(a.split('.').map(Number)) };
  if (family !== 6) return null;
  // An embedded dotted IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
  const text = a
    .toLowerCase()
    .replace(
      /(\d+)\.(\d+)\.(\d+)\.(\d+)$/,
      (_, p, q, r, s) => `${((+p << 8) | +q).toString(16)}:${((+r << 8) | +s).toString(16)}`,
    );
  const [head, rest] = text.includes('::') ? text.split('::') : [text, undefined];
  const groups = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const h = groups(head);
  const r = groups(rest);
  const words =
    rest === undefined ? h : [...h, ...new Array<number>(Math.max(0, 8 - h.length - r.length)).fill(0), ...r];
  if (words.length !== 8 || words.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffff)) return null;
  const bytes = new Uint8Array(16);
  words.forEach((w, i) => {
    bytes[2 * i] = w >> 8;
    bytes[2 * i + 1] = w & 0xff;
  });
  // ::ffff:a.b.c.d reaches the IPv4 address a.b.c.d: judge it as that.
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff)
    return { v6: false, bytes: bytes.slice(12) };
  return { v6: true, bytes };
}

export function parseCidr(text: string): Cidr | null {
  const [addr, len, extra] = text.trim().split('/');
  if (extra !== undefined) return null;
  const parsed = parseAddress(addr);
  if (!parsed) return null;
  const max = parsed.v6 ? 128 : 32;
  // A mapped IPv6 CIDR (::ffff:10.0.0.0/104) is the IPv4 CIDR it names.
  const mapped = !parsed.v6 && isIP(addr.replace(/^\[|\]$/g, '')) === 6;
  let prefix = len === undefined ? max : /^\d{1,3}$/.test(len) ? Number(len) : NaN;
  if (mapped && len !== undefined) prefix -= 96;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return null;
  return { v6: parsed.v6, bytes: parsed.bytes, prefix, text: text.trim() };
}

function inCidr(addr: { v6: boolean; bytes: Uint8Array }, c: Cidr): boolean {
  if (addr.v6 !== c.v6) return false;
  let bits = c.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((addr.bytes[i] & mask) !== (c.bytes[i] & mask)) return false;
  }
  return true;
}

function parseRule(entry: string): Rule | null {
  const e = entry.trim().toLowerCase();
  if (!e) return null;
  const cidr = parseCidr(e);
  if (cidr) return { kind: 'cidr', cidr };
  const wildcard = e.startsWith('*.');
  const host = wildcard ? e.slice(2) : e;
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/.test(host)) return null;
  return { kind: 'host', host: host.replace(/\.$/, ''), wildcard };
}

/** Checks the entries of an allow or deny list; returns the ones that are neither a CIDR, an address nor a host name. */
export function invalidEntries(entries: string[]): string[] {
  return entries.filter((e) => e.trim() && !parseRule(e));
}

export class OutboundPolicy {
  private readonly allow: Rule[];
  private readonly deny: Rule[];
  private readonly builtIn: { cidr: Cidr; reason: string }[];

  constructor(readonly config: OutboundPolicyConfig) {
    const rules = (list: string[]) =>
      list
        .map((e) => {
          const r = parseRule(e);
          if (!r && e.trim())
            throw new Error(`outbound policy entry "${e}" is not a CIDR, an IP address or a host name`);
          return r;
        })
        .filter((r): r is Rule => r !== null);
    this.allow = rules(config.allow);
    this.deny = rules(config.deny);
    this.builtIn = [...BUILT_IN, ...(config.allow_loopback ? [] : LOOPBACK)].map((b) => ({
      cidr: parseCidr(b.cidr)!,
      reason: b.reason,
    }));
  }

  /** The built-in denials with loopback allowed (the non-production default), for code built without a config (unit tests of adapters). */
  static unconfigured(): OutboundPolicy {
    return new OutboundPolicy({ allow_loopback: true, allow: [], deny: [] });
  }

  /**
   * Why connecting to `address` (reached through the name `host`) is refused, or null when it is allowed.
   * A name that is not an address is judged by the host rules only.
   */
  refusal(host: string, address: string): string | null {
    const name = host
      .replace(/^\[|\]$/g, '')
      .replace(/\.$/, '')
      .toLowerCase();
    const addr = parseAddress(address);
    if (!addr) return 'address that is not an IP address';
    const matches = (r: Rule) =>
      r.kind === 'cidr' ? inCidr(addr, r.cidr) : r.wildcard ? name.endsWith(`.${r.host}`) : name === r.host;
    if (this.allow.some(matches)) return null;
    const denied = this.deny.find(matches);
    if (denied)
      return `address denied by BERTH_OUTBOUND_DENY (${denied.kind === 'cidr' ? denied.cidr.text : `${denied.wildcard ? '*.' : ''}${denied.host}`})`;
    const b = this.builtIn.find((x) => inCidr(addr, x.cidr));
    return b ? b.reason : null;
  }

  /** Throws OutboundRefusedError when `address` may not be connected to. */
  assertAllowed(host: string, address: string): void {
    const why = this.refusal(host, address);
    if (why) throw new OutboundRefusedError(host, address, why);
  }

  /**
   * Resolves `host` (an IP literal is used as is) and checks every address it resolves to; refuses the
   * whole name when any of them is refused. A name that does not resolve passes here: connecting fails
   * later, as any unreachable endpoint does.
   */
  async check(host: string): Promise<OutboundRefusedError | null> {
    const h = host.replace(/^\[|\]$/g, '');
    let addresses: string[];
    if (isIP(h)) addresses = [h];
    else {
      try {
        addresses = (
          await new Promise<LookupAddress[]>((resolve, reject) =>
            dnsLookup(h, { all: true }, (e, a) => (e ? reject(e) : resolve(a))),
          )
        ).map((a) => a.address);
      } catch {
        return null;
      }
    }
    for (const a of addresses) {
      const why = this.refusal(h, a);
      if (why) return new OutboundRefusedError(h, a, why);
    }
    return null;
  }

  /** `check` for the host of a URL. */
  checkUrl(url: string): Promise<OutboundRefusedError | null> {
    let host: string;
    try {
      host = new URL(url).hostname;
    } catch {
      return Promise.resolve(null);
    }
    return this.check(host);
  }
}
