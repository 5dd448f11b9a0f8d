import { describe, expect, it } from '@jest/globals';
import { contractFor } from '../helpers/contract.js';

/** The validator api() runs on every response: it must catch what differs from the document. */
const doc = {
  openapi: '3.0.0',
  info: { title: 't', version: '1' },
  paths: {
    '/api/v1/things/{id}': {
      get: {
        responses: {
          '200': {
            description: 'ok',
            headers: { 'X-Request-Id': { required: true, schema: { type: 'string' } } },
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } },
          },
          '404': { description: 'no', content: { 'application/json': { schema: { type: 'object' } } } },
        },
      },
    },
    '/api/v1/things/special': {
      get: { responses: { '204': { description: 'nothing' } } },
    },
    '/api/v1/pets': {
      get: {
        responses: {
          '200': {
            description: 'ok',
            content: {
              'application/json': {
                schema: {
                  oneOf: [{ $ref: '#/components/schemas/Cat' }, { $ref: '#/components/schemas/Dog' }],
                  discriminator: { propertyName: 'type', mapping: { cat: '#/components/schemas/Cat' } },
                },
              },
            },
          },
        },
      },
    },
    '/metrics': {
      get: {
        responses: {
          '200': { description: 'text', content: { 'text/plain': { schema: { type: 'string' } } } },
        },
      },
    },
  },
  components: {
    schemas: {
      Thing: {
        type: 'object',
        required: ['id', 'owner'],
        properties: {
          id: { type: 'string', format: 'uuid' },
          owner: { type: 'string', nullable: true },
          meta: { nullable: true, allOf: [{ $ref: '#/components/schemas/Meta' }] },
          state: { type: 'string', enum: ['a', 'b'], nullable: true },
        },
      },
      Meta: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } },
      Cat: {
        type: 'object',
        required: ['type'],
        properties: { type: { type: 'string', enum: ['cat'] }, lives: { type: 'integer' } },
      },
      Dog: {
        type: 'object',
        required: ['type'],
        properties: { type: { type: 'string', enum: ['dog'] }, good: { type: 'boolean' } },
      },
    },
  },
};
const c = contractFor(JSON.stringify(doc));
const json = (extra: Record<string, string> = {}) =>
  new Headers({ 'content-type': 'application/json; charset=utf-8', 'x-request-id': 'r', ...extra });
const id = '0b3f6a0e-2c35-4c1e-9d5e-2f7e1d0c9a11';

describe('the OpenAPI contract validator', () => {
  it('accepts a body that fits, nullable fields and $refs included', () => {
    const r = c.check(
      'GET',
      `/api/v1/things/${id}?x=1`,
      200,
      json(),
      JSON.stringify({ id, owner: null, meta: null, state: null }),
    );
    expect(r).toEqual({ checked: true, operation: 'GET /api/v1/things/{id} → 200', violations: [] });
  });

  it('reports a body that differs: missing, mistyped, badly formatted fields', () => {
    const r = c.check(
      'GET',
      `/api/v1/things/${id}`,
      200,
      json(),
      JSON.stringify({ id: 'nope', meta: { n: 'x' }, state: 'c' }),
    );
    expect(r.violations.join('\n')).toMatch(/must have required property 'owner'/);
    expect(r.violations.join('\n')).toMatch(/\/id must match format "uuid"/);
    expect(r.violations.join('\n')).toMatch(/\/meta\/n must be integer/);
    expect(r.violations.join('\n')).toMatch(/\/state must be equal to one of the allowed values/);
  });

  it('reports an undocumented status, content type, a missing documented header, content where none is documented', () => {
    expect(c.check('GET', `/api/v1/things/${id}`, 500, json(), '{}').violations).toEqual([
      'status 500 is not documented (documented: 200, 404)',
    ]);
    expect(
      c.check(
        'GET',
        `/api/v1/things/${id}`,
        200,
        new Headers({ 'content-type': 'text/html', 'x-request-id': 'r' }),
        '<p>',
      ).violations[0],
    ).toMatch(/content type "text\/html" is not documented/);
    expect(
      c.check(
        'GET',
        `/api/v1/things/${id}`,
        200,
        new Headers({ 'content-type': 'application/json' }),
        JSON.stringify({ id, owner: 'me' }),
      ).violations,
    ).toEqual(['documented header X-Request-Id is missing']);
    expect(c.check('GET', '/api/v1/things/special', 204, new Headers(), 'x').violations[0]).toMatch(
      /no content is documented/,
    );
  });

  it('matches literal segments before parameters, and skips routes the document does not have', () => {
    expect(c.check('GET', '/api/v1/things/special', 204, new Headers(), '').operation).toBe(
      'GET /api/v1/things/special → 204',
    );
    expect(c.check('GET', '/api/v1/unknown', 404, json(), '{}')).toEqual({ checked: false, violations: [] });
    expect(c.check('DELETE', `/api/v1/things/${id}`, 404, json(), '{}').checked).toBe(false);
  });

  it('checks non-JSON answers by content type, and discriminated unions by their discriminator', () => {
    expect(
      c.check('GET', '/metrics', 200, new Headers({ 'content-type': 'text/plain; version=0.0.4' }), '# HELP')
        .violations,
    ).toEqual([]);
    expect(
      c.check('GET', '/api/v1/pets', 200, json(), JSON.stringify({ type: 'dog', good: true })).violations,
    ).toEqual([]);
    expect(
      c
        .check('GET', '/api/v1/pets', 200, json(), JSON.stringify({ type: 'cat', lives: 'nine' }))
        .violations.join(),
    ).toMatch(/\/lives must be integer/);
    expect(
      c.check('GET', '/api/v1/pets', 200, json(), JSON.stringify({ type: 'fish' })).violations.join(),
    ).toMatch(/value of tag "type" must be in oneOf/);
  });

  it('checks the head of a stream without reading its body', () => {
    const text = new Headers({ 'content-type': 'text/plain; charset=utf-8' });
    expect(c.check('GET', '/metrics', 200, text, '', { body: false }).violations).toEqual([]);
    expect(c.check('GET', '/metrics', 200, json(), '', { body: false }).violations[0]).toMatch(
      /content type "application\/json" is not documented/,
    );
    expect(c.check('GET', '/api/v1/things/special', 204, text, '', { body: false }).violations[0]).toMatch(
      /no content is documented, got text\/plain/,
    );
  });
});
