import { describe, expect, it } from '@jest/globals';
import { CERT_A, KEY_A, KEY_B } from '../../../test/helpers/tls-fixtures.js';
import { clientCertificateProblem, tokenProblem } from './credential-check.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('tokenProblem', () => {
  it('accepts a one-line ASCII token', () => {
    expect(tokenProblem('berth-alpha-admin-bb496bd3ebd6a2d58b7adbb506336f4e')).toBeUndefined();
    expect(tokenProblem('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln-_~+/=')).toBeUndefined();
  });
  it.each([
    ['', /empty/],
    ['abc\ndef', /line break at position 4/],
    ['abc\rdef', /line break/],
    ['abc\u0000def', /NUL byte at position 4/],
    ['abc\tdef', /control character U\+0009/],
    ['abc def', /space/],
    ['abc\u00e9def', /non-ASCII character U\+00E9/],
    ['abc\u4e2ddef', /non-ASCII character U\+4E2D/],
  ])('refuses %j', (token, why) => {
    expect(tokenProblem(token)).toMatch(why);
  });
});

describe('clientCertificateProblem', () => {
  it('accepts a PEM certificate with its key', () => {
    expect(clientCertificateProblem(b64(CERT_A), b64(KEY_A))).toBeUndefined();
  });
  it('names the part that is wrong', () => {
    expect(clientCertificateProblem('%%%', b64(KEY_A))).toMatchObject({ part: 'cert', why: 'is not base64' });
    expect(clientCertificateProblem(b64(CERT_A), '%%%')).toMatchObject({ part: 'key', why: 'is not base64' });
    expect(clientCertificateProblem(b64('not a certificate'), b64(KEY_A))).toMatchObject({
      part: 'cert',
      why: expect.stringContaining('not a PEM certificate'),
    });
    expect(clientCertificateProblem(b64(CERT_A), b64('not a key'))).toMatchObject({
      part: 'key',
      why: expect.stringContaining('not a PEM private key'),
    });
    expect(
      clientCertificateProblem(
        b64('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'),
        b64(KEY_A),
      ),
    ).toMatchObject({ part: 'cert', why: expect.stringContaining('not a usable PEM certificate') });
    expect(
      clientCertificateProblem(
        b64(CERT_A),
        b64('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'),
      ),
    ).toMatchObject({ part: 'key', why: expect.stringContaining('not a usable PEM private key') });
    expect(clientCertificateProblem(b64(CERT_A), b64(KEY_B))).toMatchObject({
      part: 'key',
      why: expect.stringContaining('does not fit'),
    });
  });
});
