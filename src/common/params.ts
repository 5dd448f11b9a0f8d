import { applyDecorators, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { AppError } from './app-error.js';
import { ErrorCode } from './error-codes.js';

/** A UUID path parameter: validated (400 code 40002 otherwise) and documented in one step. */
export function UuidParam(name = 'id'): ParameterDecorator {
  return Param(
    name,
    new ParseUUIDPipe({
      exceptionFactory: () =>
        new AppError(ErrorCode.INVALID_ID, `Path parameter ${name} must be a UUID`, { field: name }),
    }),
  );
}

export function ApiUuidParam(name = 'id', description = 'Record id (UUID)') {
  return applyDecorators(ApiParam({ name, description, format: 'uuid' }));
}

const PATTERNS = {
  /** Kubernetes object names (DNS subdomains, plus ":" as RBAC names use it). */
  name: /^[A-Za-z0-9]([-A-Za-z0-9_.:]{0,251}[A-Za-z0-9])?$/,
  /** Namespaces and container names. */
  label: /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
  /** Resource types: "pods", "deployments.apps", "Deployment". */
  resource: /^[A-Za-z0-9][-A-Za-z0-9.]{0,252}$/,
} as const;

const DESCRIPTIONS: Record<keyof typeof PATTERNS, string> = {
  name: 'Kubernetes object name',
  label: 'Kubernetes namespace (DNS label)',
  resource:
    'Resource type as discovery lists it: plural ("deployments"), plural.group ("deployments.apps"), short name or kind',
};

/** A validated Kubernetes path parameter (400 code 40001 when malformed), documented in Swagger. */
export function KubeParam(name: string, kind: keyof typeof PATTERNS): ParameterDecorator {
  return Param(name, { transform: (value: string) => kubeParamValue(name, kind, value) });
}

/** The check of {@link KubeParam}, for code that reads path parameters itself (watch streams). */
export function kubeParamValue(name: string, kind: keyof typeof PATTERNS, value: unknown): string {
  if (typeof value !== 'string' || !PATTERNS[kind].test(value))
    throw AppError.validation([
      { field: name, errors: [`${name} must be a ${DESCRIPTIONS[kind].toLowerCase()}`] },
    ]);
  return value;
}

export const ApiKubeParam = (name: string, kind: keyof typeof PATTERNS) =>
  ApiParam({ name, description: DESCRIPTIONS[kind] });
