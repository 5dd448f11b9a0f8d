import { type ArgumentMetadata, ValidationPipe, type ValidationError } from '@nestjs/common';
import { AppError, type FieldError } from './app-error.js';

/** Flattens class-validator errors into `[{field: "settings.endpoint", errors: [...]}]`. */
export function flattenValidationErrors(errors: ValidationError[], prefix = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors) {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    if (e.constraints) {
      out.push({
        field,
        errors: Object.entries(e.constraints).map(([rule, msg]) =>
          rule === 'whitelistValidation' ? `${field} is not an accepted field` : msg,
        ),
      });
    }
    if (e.children?.length) out.push(...flattenValidationErrors(e.children, field));
  }
  return out;
}

export const VALIDATION_OPTIONS = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  transform: true,
  validationError: { target: false, value: false },
} as const;

/**
 * Where a string holding U+0000 sits in `value` ("name", "labels.env", "items.0"); undefined when none
 * does. Postgres cannot store NUL in text, and no field of Berth's means it. Iterative: bodies are
 * depth-bounded by the JSON parser, but nothing recursive runs on attacker input here either.
 */
export function findNul(value: unknown, root: string): string | undefined {
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return path;
    } else if (v && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        const at = path ? `${path}.${k}` : k;
        if (k.includes('\u0000')) return at;
        stack.push([child, at]);
      }
    }
  }
  return undefined;
}

/** Berth's global pipe: refuses NUL characters in any body, query or path value, then validates the DTO. */
class BerthValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query' || metadata.type === 'param') {
      const at = findNul(value, metadata.data ?? '');
      if (at !== undefined) {
        const field = at || metadata.type;
        throw AppError.validation([
          { field, errors: [`${field} must not contain NUL (\\u0000) characters`] },
        ]);
      }
    }
    return super.transform(value, metadata);
  }
}

export function createValidationPipe(): ValidationPipe {
  return new BerthValidationPipe({
    ...VALIDATION_OPTIONS,
    exceptionFactory: (errors) => AppError.validation(flattenValidationErrors(errors)),
  });
}
