import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './load-config.js';

const KEY = `prod:${Buffer.alloc(32, 7).toString('base64')}`;
const dir = () => {
  const d = mkdtempSync(join(tmpdir(), 'berth-config-'));
  writeFileSync(
    join(d, 'default.yaml'),
    'port: 3000\nhost: 0.0.0.0\nlog_level: info\ndatabase: {url: "postgres://db/berth", run_migrations: true}\nredis: {url: "redis://r:6379", key_prefix: "berth:"}\nauth: {jwt_ttl_seconds: 3600, login_max_attempts: 10, login_window_seconds: 300}\nkube: {timeout_ms: 3000, fanout_concurrency: 8, probe_interval_seconds: 60, stale_after_seconds: 180, max_kubeconfig_bytes: 262144}\nworkers: {enabled: true, concurrency: 4}\n',
  );
  writeFileSync(join(d, 'production.yaml'), 'log_level: warn\n');
  return d;
};

describe('loadConfig', () => {
  it('reads YAML, then the environment on top', () => {
    const c = loadConfig({ PORT: '8080', REDIS_URL: 'redis://other:6380', BERTH_WORKERS: 'false' }, dir());
    expect(c.port).toBe(8080);
    expect(c.redis.url).toBe('redis://other:6380');
    expect(c.database.url).toBe('postgres://db/berth');
    expect(c.workers.enabled).toBe(false);
    expect(c.env).toBe('development');
  });

  it('names every malformed value', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', BERTH_JWT_SECRET: 'short' }, dir());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toContain('PORT (port)');
    expect(msg).toContain('DATABASE_URL (database.url): must be a postgres: or postgresql: URL');
    expect(msg).toContain('BERTH_JWT_SECRET (auth.jwt_secret): must be at least 32 characters');
  });

  it('rejects a malformed key ring', () => {
    expect(() => loadConfig({ BERTH_ENCRYPTION_KEYS: 'k1:c2hvcnQ=' }, dir())).toThrow(
      /key "k1" must be 32 bytes/,
    );
    expect(() => loadConfig({ BERTH_ENCRYPTION_KEYS: `${KEY},${KEY}` }, dir())).toThrow(/appears twice/);
  });

  it('refuses to start in production without real secrets', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' }, dir())).toThrow(/BERTH_JWT_SECRET/);
    expect(() =>
      loadConfig(
        {
          NODE_ENV: 'production',
          BERTH_JWT_SECRET: 'berth-development-jwt-secret-change-me',
          BERTH_ENCRYPTION_KEYS: KEY,
        },
        dir(),
      ),
    ).toThrow(/refusing to start in production:\n {2}- BERTH_JWT_SECRET is the development default/);
    const ok = loadConfig(
      { NODE_ENV: 'production', BERTH_JWT_SECRET: 'x'.repeat(40), BERTH_ENCRYPTION_KEYS: KEY },
      dir(),
    );
    expect(ok.log_level).toBe('warn');
    expect(ok.env).toBe('production');
  });

  it('denies loopback in production and allows it elsewhere unless told; parses allow and deny lists', () => {
    const prod = { NODE_ENV: 'production', BERTH_JWT_SECRET: 'x'.repeat(40), BERTH_ENCRYPTION_KEYS: KEY };
    expect(loadConfig(prod, dir()).outbound).toEqual({ allow_loopback: false, allow: [], deny: [] });
    expect(loadConfig({}, dir()).outbound.allow_loopback).toBe(true);
    expect(loadConfig({ BERTH_OUTBOUND_ALLOW_LOOPBACK: 'false' }, dir()).outbound.allow_loopback).toBe(false);
    const c = loadConfig(
      {
        ...prod,
        BERTH_OUTBOUND_ALLOW_LOOPBACK: 'true',
        BERTH_OUTBOUND_ALLOW: '10.0.0.0/8, k8s.corp.example ,fd00::/8',
        BERTH_OUTBOUND_DENY: '*.internal.example',
      },
      dir(),
    );
    expect(c.outbound).toEqual({
      allow_loopback: true,
      allow: ['10.0.0.0/8', 'k8s.corp.example', 'fd00::/8'],
      deny: ['*.internal.example'],
    });
    expect(() => loadConfig({ BERTH_OUTBOUND_DENY: '10.0.0.0/40,ok.example' }, dir())).toThrow(
      /BERTH_OUTBOUND_DENY \(outbound.deny\): not a CIDR, IP address or host name: 10.0.0.0\/40/,
    );
  });

  it('allows no CORS origin by default; reads exact origins and refuses anything else', () => {
    expect(loadConfig({}, dir()).cors).toEqual({ origins: [] });
    expect(loadConfig({}, join(process.cwd(), 'config')).cors).toEqual({ origins: [] });
    const c = loadConfig(
      { BERTH_CORS_ORIGINS: 'https://admin.example.com, http://127.0.0.1:5173 ,https://[::1]:8443' },
      dir(),
    );
    expect(c.cors.origins).toEqual([
      'https://admin.example.com',
      'http://127.0.0.1:5173',
      'https://[::1]:8443',
    ]);
    for (const bad of [
      '*',
      'https://admin.example.com/',
      'https://a.example/ui',
      'admin.example.com',
      'ftp://a.example',
      'https://A.example',
      'https://a.example:443',
      'null',
    ])
      expect(() => loadConfig({ BERTH_CORS_ORIGINS: `https://ok.example,${bad}` }, dir())).toThrow(
        `BERTH_CORS_ORIGINS (cors.origins): not an exact origin (scheme://host[:port], no path, no wildcard): ${bad}`,
      );
  });
});
