import { Injectable, Logger } from '@nestjs/common';

/** Fetches a new credential for a cluster from where it came from (a vendor); false when there is none to fetch. */
export type CredentialRenewer = (clusterId: string) => Promise<boolean>;

/** Renewals of one cluster are this far apart at least (a storm of 401s asks the vendor once). */
const MIN_INTERVAL_MS = 30_000;

/**
 * The seam through which the access layer asks for a new credential when a cluster answers 401, without
 * knowing vendors: the clusters module registers the renewer (a vendor cluster's kubeconfig is fetched
 * again). One renewal per cluster at a time; a cluster is not renewed twice within 30 s.
 */
@Injectable()
export class CredentialRenewal {
  private readonly logger = new Logger(CredentialRenewal.name);
  private renewer?: CredentialRenewer;
  private readonly running = new Map<string, Promise<boolean>>();
  private readonly last = new Map<string, number>();

  register(renewer: CredentialRenewer): void {
    this.renewer = renewer;
  }

  /** Renews a cluster's credential after it was rejected: true when a new one is stored. */
  renew(clusterId: string): Promise<boolean> {
    const busy = this.running.get(clusterId);
    if (busy) return busy;
    if (!this.renewer || Date.now() - (this.last.get(clusterId) ?? 0) < MIN_INTERVAL_MS)
      return Promise.resolve(false);
    this.last.set(clusterId, Date.now());
    if (this.last.size > 10_000) this.last.clear();
    const p = this.renewer(clusterId)
      .catch((e: unknown) => {
        this.logger.warn(
          `cluster ${clusterId}: renewing the credential after a 401 failed: ${(e as Error).message}`,
        );
        return false;
      })
      .finally(() => this.running.delete(clusterId));
    this.running.set(clusterId, p);
    return p;
  }
}
