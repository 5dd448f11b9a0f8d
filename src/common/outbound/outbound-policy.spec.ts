import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GuardedHttpAgent } from './guarded-agent.js';
import { invalidEntries, OutboundPolicy, parseAddress, parseCidr } from './outbound-policy.js';

const production = (over: Partial<ConstructorParameters<typeof OutboundPolicy>[0]> = {}) =>
  new OutboundPolicy({ allow_loopback: false, allow: [], deny: [], ...over });

describe('parseAddress', () => {
  it('parses IPv4, IPv6 and turns IPv4-mapped IPv6 into IPv4', () => {
    expect(parseAddress('10.1.2.3')).toEqual({ v6: false, bytes: Uint8Array.from([10, 1, 2, 3]) });
    expect(parseAddress('::1')!.bytes[15]).toBe(1);
    expect(parseAddress('::1')!.v6).toBe(true);
    expect(parseAddress('[fe80::1%eth0]')!.bytes.slice(0, 2)).toEqual(Uint8Array.from([0xfe, 0x80]));
    expect(parseAddress('::ffff:127.0.0.1')).toEqual({ v6: false, bytes: Uint8Array.from([127, 0, 0, 1]) });
    expect(parseAddress('::ffff:7f00:1')).toEqual({ v6: false, bytes: Uint8Array.from([127, 0, 0, 1]) });
    expect(parseAddress('0:0:0:0:0:ffff:a9fe:a9fe')).toEqual({
      v6: false,
      bytes: Uint8Array.from([169, 254, 169, 254]),
    });
    expect(parseAddress('2001:db8::8a2e:370:7334')!.bytes).toEqual(
      Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0x8a, 0x2e, 0x03, 0x70, 0x73, 0x34]),
    );
    expect(parseAddress('example.com')).toBeNull();
    expect(parseAddress('1.2.3')).toBeNull();
  });

  it('parses CIDRs and refuses malformed ones', () => {
    expect(parseCidr('10.0.0.0/8')).toMatchObject({ v6: false, prefix: 8 });
    expect(parseCidr('10.0.0.1')).toMatchObject({ prefix: 32 });
    expect(parseCidr('fd00::/8')).toMatchObject({ v6: true, prefix: 8 });
    expect(parseCidr('::ffff:10.0.0.0/104')).toMatchObject({ v6: false, prefix: 8 });
    expect(parseCidr('10.0.0.0/33')).toBeNull();
    expect(parseCidr('10.0.0.0/x')).toBeNull();
    expect(parseCidr('::/129')).toBeNull();
    expect(
      invalidEntries(['10.0.0.0/8', 'k8s.corp.example', '*.corp.example', 'not a host', '10.0.0.0/99']),
    ).toEqual(['not a host', '10.0.0.0/99']);
  });
});

describe('OutboundPolicy', () => {
  it('denies by default (production) loopback, link-local, metadata and unspecified, in every spelling', () => {
    const p = production();
    for (const a of [
      '127.0.0.1',
      '127.8.9.10',
      '::1',
      '0:0:0:0:0:0:0:1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '169.254.169.254',
      '::ffff:169.254.169.254',
      '169.254.1.1',
      'fe80::1',
      'febf:ffff::1',
      'fd00:ec2::254',
      '100.100.100.200',
      '0.0.0.0',
      '::',
      '::ffff:0.0.0.0',
    ]) {
      expect([a, p.refusal('h', a)]).toEqual([a, expect.any(String)]);
    }
    expect(p.refusal('h', '169.254.169.254')).toBe('cloud metadata address');
    expect(p.refusal('h', '::ffff:127.0.0.1')).toBe('loopback address');
  });

  it('allows ordinary addresses, including private networks, by default', () => {
    const p = production();
    for (const a of [
      '10.0.0.1',
      '192.168.1.10',
      '172.16.0.1',
      '8.8.8.8',
      '100.100.100.201',
      '2001:db8::1',
      'fec0::1',
      'fd00:ec2::253',
      '::ffff:10.0.0.1',
    ]) {
      expect([a, p.refusal('h', a)]).toEqual([a, null]);
    }
  });

  it('allows loopback outside production but never the unspecified or metadata addresses', () => {
    const p = new OutboundPolicy({ allow_loopback: true, allow: [], deny: [] });
    expect(p.refusal('localhost', '127.0.0.1')).toBeNull();
    expect(p.refusal('localhost', '::1')).toBeNull();
    expect(p.refusal('h', '0.0.0.0')).not.toBeNull();
    expect(p.refusal('h', '169.254.169.254')).not.toBeNull();
  });

  it('adds deny entries (CIDR, IPv6, host names with wildcards) and lets allow entries win over every denial', () => {
    const p = production({
      deny: ['10.0.0.0/8', 'fd00::/8', 'secret.corp.example', '*.internal.example'],
      allow: ['10.1.2.3', '127.0.0.1/32', 'k8s.internal.example'],
    });
    expect(p.refusal('h', '10.200.0.1')).toMatch(/BERTH_OUTBOUND_DENY \(10\.0\.0\.0\/8\)/);
    expect(p.refusal('h', '::ffff:10.200.0.1')).toMatch(/BERTH_OUTBOUND_DENY/);
    expect(p.refusal('h', 'fd12::1')).toMatch(/BERTH_OUTBOUND_DENY/);
    expect(p.refusal('secret.corp.example', '8.8.8.8')).toMatch(/secret\.corp\.example/);
    expect(p.refusal('SECRET.corp.example.', '8.8.8.8')).toMatch(/secret\.corp\.example/);
    expect(p.refusal('a.b.internal.example', '8.8.8.8')).toMatch(/internal\.example/);
    expect(p.refusal('internal.example', '8.8.8.8')).toBeNull();
    expect(p.refusal('h', '10.1.2.3')).toBeNull();
    expect(p.refusal('h', '127.0.0.1')).toBeNull();
    expect(p.refusal('h', '127.0.0.2')).toBe('loopback address');
    expect(p.refusal('k8s.internal.example', '10.9.9.9')).toBeNull();
    expect(() => production({ allow: ['no such thing!'] })).toThrow(/not a CIDR/);
  });

  it('resolves names before judging them: localhost is loopback', async () => {
    const p = production();
    expect((await p.check('localhost'))?.reason).toBe('loopback address');
    expect((await p.checkUrl('https://localhost:6443'))?.message).toMatch(
      /localhost resolves to .* loopback address/,
    );
    expect((await p.checkUrl('https://[::ffff:169.254.169.254]/'))?.reason).toBe('cloud metadata address');
    expect(await p.check('10.0.0.1')).toBeNull();
    expect(await p.check('no-such-host.invalid')).toBeNull();
    expect(
      await new OutboundPolicy({ allow_loopback: false, allow: ['localhost'], deny: [] }).check('localhost'),
    ).toBeNull();
  });
});

describe('GuardedHttpAgent', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((_, res) => res.end('hello'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const get = (agent: GuardedHttpAgent, host: string) =>
    new Promise<string>((resolve, reject) => {
      const req = request({ host, port, path: '/', agent }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.end();
    });

  it('refuses the connection on the resolved address (names and literals) and allows what the policy allows', async () => {
    const denied = new GuardedHttpAgent(production());
    await expect(get(denied, '127.0.0.1')).rejects.toMatchObject({
      code: 'EBERTH_OUTBOUND_REFUSED',
      reason: 'loopback address',
    });
    await expect(get(denied, 'localhost')).rejects.toMatchObject({
      code: 'EBERTH_OUTBOUND_REFUSED',
      reason: 'loopback address',
    });
    const allowed = new GuardedHttpAgent(production({ allow: ['127.0.0.1'] }));
    await expect(get(allowed, '127.0.0.1')).resolves.toBe('hello');
    const dev = new GuardedHttpAgent(new OutboundPolicy({ allow_loopback: true, allow: [], deny: [] }));
    await expect(get(dev, 'localhost')).resolves.toBe('hello');
    denied.destroy();
    allowed.destroy();
    dev.destroy();
  });
});
