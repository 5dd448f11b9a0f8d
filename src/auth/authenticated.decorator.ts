import { applyDecorators, createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension } from '@nestjs/swagger';
import { ApiErrors } from '../common/swagger.js';
import type { AuthUser } from './role.js';
import { Role } from './role.js';

export const IS_PUBLIC = 'berth:public';
export const REQUIRED_ROLE = 'berth:role';

/**
 * Requires a bearer token and at least `role` (default viewer), and documents both in Swagger.
 * Routes without any decorator still require a token: the guard is global.
 */
export function Authenticated(opts: { role?: Role } = {}) {
  const role = opts.role ?? Role.VIEWER;
  return applyDecorators(
    SetMetadata(REQUIRED_ROLE, role),
    ApiBearerAuth(),
    ApiExtension('x-berth-role', role),
    ...(role === Role.VIEWER ? [ApiErrors(401)] : [ApiErrors(401, 403)]),
  );
}

/** Opens a route to callers without a token (login, health, metrics). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

export const CurrentUser = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): AuthUser => ctx.switchToHttp().getRequest<{ user: AuthUser }>().user,
);
