import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { ErrorCode } from '../common/error-codes.js';
import { HarborProvider } from './harbor/harbor.provider.js';
import type { RegistryProvider } from './registry-provider.js';

/** Picks the RegistryProvider of a registry record by its provider name. */
@Injectable()
export class RegistryProviders {
  private readonly byName: Map<string, RegistryProvider>;

  constructor(harbor: HarborProvider) {
    this.byName = new Map<string, RegistryProvider>([[harbor.name, harbor]]);
  }

  get(name: string): RegistryProvider {
    const p = this.byName.get(name);
    if (!p) throw new AppError(ErrorCode.INTERNAL, `No registry provider for ${name}`);
    return p;
  }
}
