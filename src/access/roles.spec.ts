import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { GrantRole, ROLE_VERBS, Verb } from './roles.js';
import {
  formatSelector,
  matches,
  parseSelector,
  positional,
  selectorSql,
  selectorWithin,
} from './label-selector.js';

describe('roles', () => {
  it('the README role table is the code’s table', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const table = readme.split('<!-- roles-table:start -->')[1].split('<!-- roles-table:end -->')[0];
    const rows = table
      .split('\n')
      .filter((l) => l.startsWith('| `'))
      .map((l) => l.split('|').map((c) => c.trim()));
    const roles = Object.values(GrantRole);
    const fromReadme = Object.fromEntries(
      rows.map((cells) => [cells[1].match(/`([^`]+)`/)![1], roles.filter((_, i) => cells[2 + i] === '✓')]),
    );
    const fromCode = Object.fromEntries(
      Object.values(Verb).map((v) => [v, roles.filter((r) => ROLE_VERBS[r].includes(v))]),
    );
    expect(fromReadme).toEqual(fromCode);
  });

  it('roles grow as documented: edit ⊃ view, cluster-admin ⊃ edit, admin has every verb', () => {
    const has = (r: GrantRole, v: Verb) => ROLE_VERBS[r].includes(v);
    for (const v of ROLE_VERBS[GrantRole.VIEW]) expect(has(GrantRole.EDIT, v)).toBe(true);
    for (const v of ROLE_VERBS[GrantRole.EDIT]) expect(has(GrantRole.CLUSTER_ADMIN, v)).toBe(true);
    expect(has(GrantRole.CLUSTER_ADMIN, Verb.PODS_EXEC)).toBe(false);
    expect(has(GrantRole.CLUSTER_ADMIN, Verb.SECRETS_REVEAL)).toBe(false);
    expect(ROLE_VERBS[GrantRole.ADMIN]).toEqual(Object.values(Verb));
  });
});

describe('label selectors', () => {
  it('parses and matches the Kubernetes forms', () => {
    const s = parseSelector('env=prod, team in (pay,core),!legacy,tier,zone notin (b)');
    expect(matches(s, { env: 'prod', team: 'pay', tier: 'x' })).toBe(true);
    expect(matches(s, { env: 'prod', team: 'ops', tier: 'x' })).toBe(false);
    expect(matches(s, { env: 'prod', team: 'pay', tier: 'x', legacy: '1' })).toBe(false);
    expect(matches(s, { env: 'prod', team: 'pay' })).toBe(false);
    expect(matches(s, { env: 'prod', team: 'pay', tier: 'x', zone: 'b' })).toBe(false);
    expect(matches(parseSelector('env!=prod'), {})).toBe(true);
    expect(formatSelector(parseSelector('b=2,a=1'))).toBe('a=1,b=2');
  });

  it('refuses what is not a selector', () => {
    for (const bad of [
      '',
      'a=(',
      'a in ()',
      'a==b==c',
      ',',
      'a b',
      'x in (a',
      `${'k'.repeat(1100)}`,
      'a=b c',
    ])
      expect(() => parseSelector(bad)).toThrow();
  });

  it('compiles to SQL with bound values only', () => {
    const params: unknown[] = [];
    const sql = selectorSql(parseSelector('env=prod,team notin (a.b)'), 'c.labels', positional(params));
    expect(sql).not.toContain('prod');
    expect(params).toContain('env');
    expect(() => parseSelector("team notin (a'b)")).toThrow('not a valid label value');
    expect(sql).toMatch(/\$1/);
  });

  it('knows when one selector is narrower than another', () => {
    expect(selectorWithin(parseSelector('env=prod,team=pay'), parseSelector('env=prod'))).toBe(true);
    expect(selectorWithin(parseSelector('env=prod'), parseSelector('env=prod,team=pay'))).toBe(false);
    expect(selectorWithin(parseSelector('env in (a)'), parseSelector('env in (a,b)'))).toBe(true);
    expect(selectorWithin(parseSelector('env in (a,b)'), parseSelector('env in (a)'))).toBe(false);
  });
});
