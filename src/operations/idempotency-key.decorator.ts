import { applyDecorators, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../common/app-error.js';

const KEY = /^[\x21-\x7e]{1,200}$/;

/** The optional `Idempotency-Key` header: a retry with the same key returns the first operation. */
export const IdempotencyKey = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): string | undefined => {
    const value = ctx.switchToHttp().getRequest<FastifyRequest>().headers['idempotency-key'];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !KEY.test(value)) {
      throw AppError.validation([
        {
          field: 'Idempotency-Key',
          errors: ['Idempotency-Key must be 1-200 printable ASCII characters without spaces'],
        },
      ]);
    }
    return value;
  },
);

export const ApiIdempotencyKey = () =>
  applyDecorators(
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Retrying with the same key returns the operation the first request started (409 if the request differs)',
    }),
  );
