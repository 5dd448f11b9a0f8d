import type { OpenAPIObject } from '@nestjs/swagger';
import { getSchemaPath } from '@nestjs/swagger';
import { ERROR_EXAMPLES, ErrorEnvelopeDto } from './swagger.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

const REQUEST_ID_HEADER = {
  'X-Request-Id': {
    required: true,
    description: 'The request id (the caller’s own when it sent a valid one); errors repeat it as request_id',
    schema: { type: 'string' },
  },
};

/**
 * Answers every operation of a kind can give, whatever its controller declares: a body sent as anything
 * but JSON is refused with 415 (code 41500) before the handler runs; an invalid Idempotency-Key is 400;
 * any API route answers 503 while Postgres or Redis (tokens, audit) is unavailable; any route may fail
 * with 500 (code 50000, quoting the request id). Every answer carries its request id as `X-Request-Id`.
 */
export function addCommonResponses(document: OpenAPIObject): OpenAPIObject {
  const error = (status: string, description: string) => ({
    description,
    content: {
      'application/json': {
        schema: { $ref: getSchemaPath(ErrorEnvelopeDto) },
        ...(ERROR_EXAMPLES[Number(status)] ? { example: ERROR_EXAMPLES[Number(status)] } : {}),
      },
    },
  });
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const add = (status: string, description: string) => {
        op.responses[status] ??= error(status, description);
      };
      if (op.requestBody) add('415', 'The body is not JSON (send `Content-Type: application/json`)');
      const params = (op.parameters ?? []) as { in?: string; name?: string }[];
      if (params.some((p) => p.in === 'header' && p.name?.toLowerCase() === 'idempotency-key'))
        add('400', 'Invalid input (code 40001 lists each bad field, e.g. the Idempotency-Key)');
      if (path.startsWith('/api/'))
        add('503', 'A dependency (Postgres, Redis), the cluster or the vendor is unavailable');
      add('500', 'Internal error (code 50000); the message quotes the request id');
      for (const response of Object.values(op.responses) as { headers?: Record<string, unknown> }[]) {
        response.headers = { ...REQUEST_ID_HEADER, ...(response.headers ?? {}) };
      }
    }
  }
  return document;
}
