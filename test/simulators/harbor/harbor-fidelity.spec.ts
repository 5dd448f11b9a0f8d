import { describe, expect, it } from '@jest/globals';
import type { Exchange } from '../common/sim-server.js';
import { checkExchange, checkExchanges } from './harbor-fidelity.js';

const ex = (over: Partial<Exchange>): Exchange => ({
  method: 'GET',
  rawPath: '/api/v2.0/projects',
  query: {},
  requestHeaders: { 'user-agent': 'berth' },
  requestBody: undefined,
  status: 200,
  responseHeaders: { 'x-total-count': '0' },
  responseBody: [],
  ...over,
});

describe('Harbor 2.11 fidelity check', () => {
  it('passes exchanges shaped as the swagger declares', () => {
    const report = checkExchanges([
      ex({ query: { page: '1', page_size: '100', name: 'x', sort: 'name' } }),
      ex({
        method: 'POST',
        requestBody: { project_name: 'p', metadata: { public: 'false' } },
        status: 201,
        responseHeaders: { location: '/api/v2.0/projects/3' },
        responseBody: undefined,
      }),
      ex({
        rawPath: '/api/v2.0/projects/p/repositories/team%252Fapi/artifacts/sha256%3Aab',
        query: { with_tag: 'true' },
        responseBody: { digest: 'sha256:ab', tags: [{ name: 'v1', immutable: false }], labels: null },
      }),
    ]);
    expect(report).toMatchObject({ checked: 3, violations: [] });
    expect(report.byOperation).toEqual({ listProjects: 1, createProject: 1, getArtifact: 1 });
  });

  it('names what a Harbor 2.11 would not take or send', () => {
    const v = (e: Partial<Exchange>) => checkExchange(ex(e)).violations;
    expect(v({ query: { page_size: '500' } })).toEqual([
      expect.stringContaining("exceeds Harbor's maximum 100"),
    ]);
    expect(v({ query: { with_chart: 'true' } })).toEqual([
      expect.stringContaining('query parameter with_chart'),
    ]);
    expect(v({ responseBody: [{ name: 'p', chart_count: 0 }] })).toEqual([
      expect.stringContaining("[0].chart_count: not a field of Harbor 2.11's schema"),
    ]);
    expect(v({ responseBody: [{ project_id: '7' }] })).toEqual([
      expect.stringContaining('where Harbor has an integer'),
    ]);
    expect(
      v({
        method: 'POST',
        requestBody: { metadata: { public: true } },
        status: 201,
        responseBody: undefined,
      }),
    ).toEqual([
      expect.stringContaining('metadata.public: boolean where Harbor has a string'),
      expect.stringContaining('lacks Location'),
    ]);
    expect(
      v({
        rawPath: '/api/v2.0/projects/p/repositories/team%2Fapi',
        method: 'DELETE',
        responseBody: undefined,
      }),
    ).toEqual([expect.stringContaining('encoded once')]);
    expect(
      v({ rawPath: '/api/v2.0/projects/p/repositories', requestHeaders: { 'x-is-resource-name': 'true' } }),
    ).toEqual([expect.stringContaining('header x-is-resource-name is not a parameter')]);
    expect(v({ rawPath: '/api/v2.0/chartrepo/p/charts' })).toEqual([
      expect.stringContaining('not an operation of Harbor 2.11 that Berth uses'),
    ]);
    expect(v({ status: 202 })).toEqual([expect.stringContaining('answered 202')]);
    expect(v({ status: 500, responseBody: { message: 'x' } })).toEqual([
      expect.stringContaining("message: not a field of Harbor 2.11's schema"),
    ]);
  });

  it('counts error statuses the swagger leaves out apart, still checking their Errors body', () => {
    const r = checkExchange(
      ex({
        rawPath: '/api/v2.0/projects/p',
        status: 404,
        responseBody: { errors: [{ code: 'NOT_FOUND', message: 'no' }] },
      }),
    );
    expect(r).toEqual({ operation: 'getProject', violations: [], undeclared: 'getProject 404' });
  });
});
