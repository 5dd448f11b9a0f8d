import type { OpenAPIObject } from '@nestjs/swagger';
import { getSchemaPath } from '@nestjs/swagger';
import { ErrorEnvelopeDto } from './swagger.js';

/**
 * Answers every operation of a kind can give, whatever its controller declares: a body sent as anything
 * but JSON is refused with 415 (code 41500) before the handler runs.
 */
export function addCommonResponses(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths ?? {})) {
    for (const method of ['post', 'put', 'patch'] as const) {
      const op = item[method];
      if (!op?.requestBody || op.responses['415']) continue;
      op.responses['415'] = {
        description: 'The body is not JSON (send `Content-Type: application/json`)',
        content: { 'application/json': { schema: { $ref: getSchemaPath(ErrorEnvelopeDto) } } },
      };
    }
  }
  return document;
}
