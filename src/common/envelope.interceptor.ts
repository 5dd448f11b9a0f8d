import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  StreamableFile,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { map, type Observable } from 'rxjs';
import { envelope, RAW_RESPONSE } from './envelope.js';

/** Wraps every handler result in `{code: 0, message: "ok", data}`, except streams and handlers marked raw. */
@Injectable()
export class EnvelopeInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const raw = this.reflector.getAllAndOverride<boolean>(RAW_RESPONSE, [
      context.getHandler(),
      context.getClass(),
    ]);
    return raw
      ? next.handle()
      : next.handle().pipe(map((data) => (data instanceof StreamableFile ? data : envelope(data ?? null))));
  }
}
