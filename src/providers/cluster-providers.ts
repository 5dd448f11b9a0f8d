import { Inject, Injectable, Optional } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { ErrorCode } from '../common/error-codes.js';
import { OutboundPolicy } from '../common/outbound/outbound-policy.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { CredentialsService } from '../credentials/credentials.service.js';
import { ackProviderFactory, ACK_CAPABILITIES } from './ack/ack.provider.js';
import { RANCHER_CAPABILITIES, rancherProviderFactory } from './rancher/rancher.provider.js';
import { tkeProviderFactory, TKE_CAPABILITIES } from './tke/tke.provider.js';
import type {
  ClusterProvider,
  ClusterProviderFactory,
  ProviderCapabilities,
  ProviderName,
  VendorCallOptions,
} from './cluster-provider.js';

/** Injection token: replaces factories (tests hand in adapters built around fake clients). */
export const CLUSTER_PROVIDER_FACTORIES = Symbol('CLUSTER_PROVIDER_FACTORIES');

export const DEFAULT_VENDOR_CALL_OPTIONS: VendorCallOptions = {
  timeoutMs: 10_000,
  attempts: 4,
  backoffMs: 250,
};

/** One adapter per cluster vendor of the vendor registry (a vendor added there without one does not compile). */
const FACTORIES: Record<ProviderName, ClusterProviderFactory> = {
  ack: ackProviderFactory,
  tke: tkeProviderFactory,
  rancher: rancherProviderFactory,
};

const CAPABILITIES: Record<ProviderName, ProviderCapabilities> = {
  ack: ACK_CAPABILITIES,
  tke: TKE_CAPABILITIES,
  rancher: RANCHER_CAPABILITIES,
};

/** The dispatcher: picks the adapter by provider name and builds it from the revealed credential. */
@Injectable()
export class ClusterProviders {
  private readonly factories: Partial<Record<ProviderName, ClusterProviderFactory>>;
  private readonly callOptions: VendorCallOptions;

  constructor(
    private readonly credentials: CredentialsService,
    @Optional()
    @Inject(CLUSTER_PROVIDER_FACTORIES)
    overrides?: Partial<Record<ProviderName, ClusterProviderFactory>>,
    @Optional() @Inject(APP_CONFIG) config?: AppConfig,
    @Optional() metrics?: MetricsService,
  ) {
    this.factories = { ...FACTORIES, ...(overrides ?? {}) };
    this.callOptions = {
      ...DEFAULT_VENDOR_CALL_OPTIONS,
      ...(config
        ? {
            timeoutMs: config.vendors.timeout_ms,
            attempts: config.vendors.attempts,
            backoffMs: config.vendors.backoff_ms,
          }
        : {}),
      outbound: config ? new OutboundPolicy(config.outbound) : OutboundPolicy.unconfigured(),
      meter: metrics?.vendorMeter,
    };
  }

  supported(): ProviderName[] {
    return Object.keys(this.factories) as ProviderName[];
  }

  capabilities(provider: string): ProviderCapabilities | null {
    return CAPABILITIES[provider as ProviderName] ?? null;
  }

  /** The adapter for a cluster's provider, talking with the given credential (which must be of that provider). */
  async forCredential(provider: string, credentialId: string): Promise<ClusterProvider> {
    const factory = this.factories[provider as ProviderName];
    if (!factory)
      throw new AppError(
        ErrorCode.UNPROCESSABLE,
        `Berth cannot manage ${provider} clusters yet (supported: ${this.supported().join(', ')})`,
        { provider },
      );
    const credential = await this.credentials.reveal(credentialId);
    if (credential.provider !== provider) {
      throw AppError.validation([
        {
          field: 'credential_id',
          errors: [`credential ${credential.name} is for ${credential.provider}, not ${provider}`],
        },
      ]);
    }
    return factory(
      {
        id: credential.id,
        provider: credential.provider,
        settings: credential.settings,
        secrets: credential.secrets,
      },
      this.callOptions,
    );
  }
}
