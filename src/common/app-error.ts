import { ErrorCode, statusOf } from './error-codes.js';

/** The one exception type services throw. The HTTP status is derived from the code. */
export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = statusOf(code);
  }

  static notFound(kind: string, id: string): AppError {
    return new AppError(ErrorCode.NOT_FOUND, `${kind} ${id} not found`, { kind, id });
  }

  static conflict(message: string, details: Record<string, unknown> | null = null): AppError {
    return new AppError(ErrorCode.CONFLICT, message, details);
  }

  static validation(fields: FieldError[]): AppError {
    const n = fields.length;
    return new AppError(
      ErrorCode.VALIDATION_FAILED,
      `Validation failed: ${fields.map((f) => f.field).join(', ')} ${n === 1 ? 'is' : 'are'} invalid`,
      { fields },
    );
  }
}

export interface FieldError {
  field: string;
  errors: string[];
}
