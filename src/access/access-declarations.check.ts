import { Injectable, type OnModuleInit, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { AUTHENTICATED_ONLY, IS_PUBLIC } from '../auth/authenticated.decorator.js';
import { ACCESS_SPEC } from './access.decorator.js';

/** Routes that declare none of @Access, @Authenticated or @Public (the guard would refuse them with a 500). */
export function undeclaredRoutes(controllers: { metatype: unknown; instance: object }[]): string[] {
  const scanner = new MetadataScanner();
  const out: string[] = [];
  for (const { metatype, instance } of controllers) {
    const proto = Object.getPrototypeOf(instance) as Record<string, unknown>;
    const declared = (target: object) =>
      [ACCESS_SPEC, AUTHENTICATED_ONLY, IS_PUBLIC].some((k) => Reflect.getMetadata(k, target) !== undefined);
    const onClass = declared(metatype as object);
    for (const name of scanner.getAllMethodNames(proto)) {
      const fn = proto[name] as object;
      const method = Reflect.getMetadata(METHOD_METADATA, fn) as RequestMethod | undefined;
      if (method === undefined || onClass || declared(fn)) continue;
      const path = [
        Reflect.getMetadata(PATH_METADATA, metatype as object),
        Reflect.getMetadata(PATH_METADATA, fn),
      ]
        .map((p) => String(p ?? '').replace(/^\/+|\/+$/g, ''))
        .filter(Boolean)
        .join('/');
      out.push(`${RequestMethod[method]} ${path} (${(metatype as { name: string }).name}.${name})`);
    }
  }
  return out;
}

/** Boot fails when a route forgets to say who may call it: access is declared in one place, per route. */
@Injectable()
export class AccessDeclarationsCheck implements OnModuleInit {
  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    const controllers = this.discovery.getControllers().filter((w) => w.instance && w.metatype) as {
      metatype: unknown;
      instance: object;
    }[];
    const missing = undeclaredRoutes(controllers);
    if (missing.length)
      throw new Error(
        `Routes without an access declaration (@Access, @Authenticated or @Public):\n- ${missing.join('\n- ')}`,
      );
  }
}
