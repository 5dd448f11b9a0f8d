import { describe, expect, it } from '@jest/globals';
import { escapeFilterValue, fillFilter } from './ldap-filter.js';

describe('LDAP filter escaping (RFC 4515)', () => {
  it('escapes the five special characters and nothing else', () => {
    expect(escapeFilterValue('a*b(c)d\\e\0f')).toBe('a\\2ab\\28c\\29d\\5ce\\00f');
    expect(escapeFilterValue('jörg.o’brien@x')).toBe('jörg.o’brien@x');
  });
  it('fills placeholders with escaped values, leaves unknown ones', () => {
    expect(fillFilter('(&(uid={username})(x={other}))', { username: '*)(uid=*' })).toBe(
      '(&(uid=\\2a\\29\\28uid=\\2a)(x={other}))',
    );
  });
});
