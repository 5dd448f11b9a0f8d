import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * A CommonJS package loaded on first use instead of at startup: the vendor SDKs cost hundreds of
 * milliseconds of module loading, and most instances never call one of them. The result reads like the
 * module's namespace (`sdk.SomeClass`); type it with `import type * as Sdk from '…'`.
 */
export function lazyModule<T extends object>(specifier: string): T {
  let loaded: T | undefined;
  const load = (): T => (loaded ??= require(specifier) as T);
  return new Proxy({} as T, {
    get: (_, key) => Reflect.get(load(), key),
    has: (_, key) => Reflect.has(load(), key),
  });
}
