import { Param } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { AppError } from '../common/app-error.js';

/** Harbor project names: lowercase letters, digits and single ". _ -" between them. */
export const PROJECT_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
export const PROJECT_NAME_MSG =
  'project must be lowercase letters and digits, separated by single ".", "_" or "-" (at most 255)';

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
/** A repository inside a project ("api", "team/api"), as the OCI distribution spec names them. */
export const REPOSITORY = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
/** "<project>/<repository>". */
export const REPOSITORY_PATH = new RegExp(`^[a-z0-9]+(?:[._-][a-z0-9]+)*/${COMPONENT}(?:/${COMPONENT})*$`);
export const REPOSITORY_PATH_MSG = 'repository must be "<project>/<repository>"';

/** A digest "algorithm:hex". */
export const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;
/** A tag, or a digest. */
const REFERENCE = /^(?:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,})$/;

const PATTERNS = {
  project: { re: PROJECT_NAME, text: 'Project name in the registry' },
  repository: {
    re: REPOSITORY,
    text: 'Repository name inside the project; may contain "/" (URL-encode it as %2F)',
  },
  reference: { re: REFERENCE, text: 'A tag ("1.27") or a digest ("sha256:…")' },
  digest: { re: DIGEST, text: 'An artifact digest ("sha256:…")' },
} as const;

/** A validated registry path parameter (400 code 40001 when malformed). */
export function RegistryParam(name: string, kind: keyof typeof PATTERNS): ParameterDecorator {
  return Param(name, {
    transform(value: string) {
      if (value.length > 512 || !PATTERNS[kind].re.test(value)) {
        throw AppError.validation([
          { field: name, errors: [`${name} must be: ${PATTERNS[kind].text.toLowerCase()}`] },
        ]);
      }
      return value;
    },
  });
}

export const ApiRegistryParam = (name: string, kind: keyof typeof PATTERNS) =>
  ApiParam({ name, description: PATTERNS[kind].text });
