import { type ExecutionContext, Injectable, Optional } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { AppError } from '../common/app-error.js';
import { ErrorCode } from '../common/error-codes.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { IS_PUBLIC, REQUIRED_ROLE } from './authenticated.decorator.js';
import { type AuthUser, Role, roleAllows } from './role.js';

/** The one global guard: a valid, unrevoked bearer token, then the role the route asks for. */
@Injectable()
export class AccessGuard extends AuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    @Optional() private readonly metrics?: MetricsService,
  ) {
    super();
  }

  override async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    await super.canActivate(ctx);
    const user = ctx.switchToHttp().getRequest<{ user: AuthUser }>().user;
    const required = this.reflector.getAllAndOverride<Role>(REQUIRED_ROLE, targets) ?? Role.VIEWER;
    if (!roleAllows(user.role, required)) {
      this.metrics?.refused('forbidden');
      throw new AppError(ErrorCode.FORBIDDEN, `This action needs the ${required} role; you are ${user.role}`);
    }
    return true;
  }

  override handleRequest<T>(err: unknown, user: T, info: unknown): T {
    if (err) {
      // A refused token (revoked, claims missing); a dependency outage (503) is no refusal.
      if (err instanceof AppError && err.code === ErrorCode.TOKEN_REVOKED) this.metrics?.refused('revoked');
      else if (err instanceof AppError && err.code === ErrorCode.UNAUTHENTICATED)
        this.metrics?.refused('invalid');
      throw err;
    }
    if (!user) {
      const reason = info instanceof Error ? info.message : '';
      this.metrics?.refused(
        reason === 'jwt expired' ? 'expired' : reason === 'No auth token' ? 'missing' : 'invalid',
      );
      const message =
        reason === 'jwt expired'
          ? 'The bearer token has expired; log in again'
          : reason === 'No auth token'
            ? 'A bearer token is required (Authorization: Bearer <token>)'
            : 'The bearer token is invalid';
      throw new AppError(ErrorCode.UNAUTHENTICATED, message);
    }
    return user;
  }
}
