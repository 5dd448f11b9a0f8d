import { applyDecorators, createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension } from '@nestjs/swagger';
import { ApiErrors } from '../common/swagger.js';
import type { AuthUser } from './role.js';

export const IS_PUBLIC = 'berth:public';
export const AUTHENTICATED_ONLY = 'berth:authenticated';

/**
 * Requires a bearer token and nothing more: routes about the caller itself (who am I, log out, my
 * tokens). Every other protected route declares its verb with `@Access` (src/access/access.decorator.ts).
 */
export function Authenticated() {
  return applyDecorators(
    SetMetadata(AUTHENTICATED_ONLY, true),
    ApiBearerAuth(),
    ApiExtension('x-berth-role', 'any'),
    ApiExtension('x-berth-scope', 'self'),
    ApiErrors(401),
  );
}

/** Opens a route to callers without a token (login, health, metrics). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

export const CurrentUser = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): AuthUser => ctx.switchToHttp().getRequest<{ user: AuthUser }>().user,
);
