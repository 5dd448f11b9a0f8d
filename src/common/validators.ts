import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, Matches, registerDecorator, ValidateIf, type ValidationOptions } from 'class-validator';

/**
 * An optional field: it may be left out, but when given it is validated, `null` included (class-validator's
 * `@IsOptional()` also skips `null`, which then reaches the service and the database). Fields where `null`
 * means "clear it" keep `@IsOptional()` and say `nullable: true` in their documentation.
 */
export function OptionalNotNull(options?: ValidationOptions): PropertyDecorator {
  return ValidateIf((_object, value: unknown) => value !== undefined, options);
}

const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** A map of Kubernetes-style labels: at most 64, keys and values as Kubernetes allows them. */
export function IsLabelMap(options?: ValidationOptions): PropertyDecorator {
  return (object, propertyName) =>
    registerDecorator({
      name: 'isLabelMap',
      target: object.constructor,
      propertyName: String(propertyName),
      options: {
        message: `${String(propertyName)} must be an object of at most 64 Kubernetes-style labels (key: value)`,
        ...options,
      },
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          Object.keys(value).length <= 64 &&
          Object.entries(value).every(
            ([k, v]) => k.length <= 253 && LABEL_KEY.test(k) && typeof v === 'string' && LABEL_VALUE.test(v),
          ),
      },
    });
}

/** "k=v,k2=v2" → {k: v, k2: v2}; undefined when malformed. */
export function parseLabelQuery(s: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const part of s
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const i = part.indexOf('=');
    if (i <= 0) return undefined;
    const [k, v] = [part.slice(0, i), part.slice(i + 1)];
    if (!LABEL_KEY.test(k) || !LABEL_VALUE.test(v)) return undefined;
    out[k] = v;
  }
  return out;
}

const RESOURCE_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const RESOURCE_NAME_MSG =
  'name must be 1-63 lowercase letters, digits or "-", starting and ending with a letter or digit';

/** A record name (clusters, credentials, registries): validated, trimmed and documented in one step. */
export function ResourceName(opts: { optional?: boolean; example?: string } = {}): PropertyDecorator {
  const doc = { example: opts.example, description: RESOURCE_NAME_MSG };
  return applyDecorators(
    opts.optional ? ApiPropertyOptional(doc) : ApiProperty(doc),
    ...(opts.optional ? [OptionalNotNull()] : []),
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value)),
    IsString(),
    Matches(RESOURCE_NAME, { message: RESOURCE_NAME_MSG }),
  );
}

/** Query-string booleans: "true"/"false" become booleans; anything else is left for the validator to refuse. */
export const toBool = ({ value }: { value: unknown }) =>
  value === 'true' || value === true ? true : value === 'false' || value === false ? false : value;
