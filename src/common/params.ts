import { applyDecorators, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { AppError } from './app-error.js';
import { ErrorCode } from './error-codes.js';

/** A UUID path parameter: validated (400 code 40002 otherwise) and documented in one step. */
export function UuidParam(name = 'id'): ParameterDecorator {
  return Param(
    name,
    new ParseUUIDPipe({
      exceptionFactory: () => new AppError(ErrorCode.INVALID_ID, `Path parameter ${name} must be a UUID`, { field: name }),
    }),
  );
}

export function ApiUuidParam(name = 'id', description = 'Record id (UUID)') {
  return applyDecorators(ApiParam({ name, description, format: 'uuid' }));
}
