import { Inject, Injectable } from '@nestjs/common';
import { AppError } from '../../common/app-error.js';
import { ErrorCode } from '../../common/error-codes.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import type { ClusterAccess } from '../client/cluster-access.js';
import { ClusterClientPool } from '../client/cluster-client.pool.js';
import type { ClusterRef } from '../client/kube-client.js';
import { tokenProblem } from '../client/credential-check.js';
import { checkServer, parseKubeconfig } from '../client/kubeconfig.js';
import { ClusterProber, type ProbeResult } from './cluster-prober.js';

/** The access fields of an import or a PATCH (ImportClusterDto / UpdateClusterDto). */
export interface AccessInput {
  kubeconfig?: string;
  context?: string;
  server?: string;
  token?: string;
  ca_data?: string;
  insecure_skip_tls_verify?: boolean;
}

export interface VerifyOptions {
  /** Whether the caller may turn off TLS verification (admins: settings.manage). */
  may_skip_tls: boolean;
  /** Save a cluster that cannot be reached now (as unavailable); never one that is not Kubernetes. */
  force: boolean;
}

/**
 * The one path from a kubeconfig or a token to a verified access: parse (inline credentials only,
 * credentials Node can send), vet (admin-only insecure TLS, outbound policy), build a transient client,
 * probe it (the answers must be Kubernetes'), then refuse or, with `force`, accept an unreachable one.
 * Import, PATCH and vendor activation all go through it; ClusterAccessStore stores what it verified.
 */
@Injectable()
export class ClusterAccessVerifier {
  constructor(
    private readonly pool: ClusterClientPool,
    private readonly prober: ClusterProber,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The access an import or PATCH gives (undefined when it gives none); a malformed one is a 400/422 naming the field. */
  fromInput(input: AccessInput): ClusterAccess | undefined {
    const hasKubeconfig = input.kubeconfig !== undefined;
    const hasToken = input.server !== undefined || input.token !== undefined;
    if (hasKubeconfig && hasToken) {
      throw AppError.validation([
        { field: 'kubeconfig', errors: ['give either kubeconfig, or server and token, not both'] },
      ]);
    }
    if (hasKubeconfig)
      return parseKubeconfig(input.kubeconfig!, {
        context: input.context,
        maxBytes: this.config.kube.max_kubeconfig_bytes,
      });
    if (!hasToken) return undefined;
    if (!input.server || !input.token) {
      throw AppError.validation([
        { field: input.server ? 'token' : 'server', errors: ['server and token go together'] },
      ]);
    }
    // A token pasted with its trailing newline is the token; one with a line break, NUL or non-ASCII
    // character inside cannot be sent as a header (Node throws) and is refused here, naming the field.
    const token = input.token.trim();
    const why = tokenProblem(token);
    if (why) throw new AppError(ErrorCode.UNPROCESSABLE, `token ${why}`, { field: 'token' });
    const access: ClusterAccess = { server: checkServer(input.server), auth: { type: 'token', token } };
    if (input.ca_data) access.ca_data = input.ca_data.replace(/\s+/g, '');
    if (input.insecure_skip_tls_verify) access.insecure_skip_tls_verify = true;
    return access;
  }

  /**
   * Verifies an access given by a caller (import, PATCH) before it is saved: vetted, then probed;
   * refused unless it answers as Kubernetes, or `force` saves an unreachable one (as unavailable).
   */
  async verify(
    ref: ClusterRef,
    access: ClusterAccess,
    input: AccessInput,
    o: VerifyOptions,
  ): Promise<ProbeResult> {
    await this.vet(access, input.kubeconfig !== undefined ? 'kubeconfig' : 'server', o.may_skip_tls);
    const probe = await this.probe(ref, access);
    if (probe.ok) return probe;
    if (probe.notKubernetes) throw probe.error;
    if (o.force) return probe;
    const e = probe.error;
    if (e.details?.kube_status === 401) {
      throw new AppError(
        ErrorCode.CLUSTER_CREDENTIAL_REJECTED,
        `Cluster ${ref.name} rejected the credential (401)`,
        e.details,
      );
    }
    throw new AppError(e.code, `${e.message}; pass force=true to save it as unavailable`, e.details);
  }

  /**
   * Verifies the kubeconfig a vendor handed out for a cluster it created (checked like any untrusted
   * kubeconfig): it must answer now; there is no `force`. `context` is the vendor's primary context (else
   * the kubeconfig's current-context); `execHint` names the vendor setting that produces exec users.
   */
  async verifyVendorKubeconfig(
    ref: ClusterRef & { provider: string },
    kubeconfig: string,
    o: { context?: string; execHint?: string } = {},
  ): Promise<{ access: ClusterAccess; probe: ProbeResult & { ok: true } }> {
    const access = parseKubeconfig(kubeconfig, {
      maxBytes: this.config.kube.max_kubeconfig_bytes,
      context: o.context,
      execHint: o.execHint,
    });
    const probe = await this.probe(ref, access);
    if (!probe.ok) {
      throw new AppError(
        probe.error.code,
        `Cluster ${ref.name} runs at ${ref.provider}, but Berth cannot reach its API server: ${probe.error.message}`,
        probe.error.details,
      );
    }
    return { access, probe };
  }

  /**
   * What a caller may ask Berth to connect to: skipping TLS verification is an admin's choice, and the
   * server must resolve to an address the outbound policy allows (checked again on every connection).
   */
  private async vet(
    access: ClusterAccess,
    field: 'kubeconfig' | 'server',
    maySkipTls: boolean,
  ): Promise<void> {
    if (access.insecure_skip_tls_verify && !maySkipTls) {
      throw new AppError(
        ErrorCode.FORBIDDEN,
        'Only an admin may turn off TLS verification (insecure_skip_tls_verify, or insecure-skip-tls-verify in a kubeconfig): ' +
          "give the API server's CA (ca_data or certificate-authority-data) instead",
        { field: field === 'server' ? 'insecure_skip_tls_verify' : 'kubeconfig', required_role: 'admin' },
      );
    }
    const refused = await this.pool.policy.checkUrl(access.server);
    if (refused) {
      throw new AppError(ErrorCode.OUTBOUND_ADDRESS_REFUSED, `${field} refused: ${refused.message}`, {
        field,
        reason: refused.reason,
      });
    }
  }

  /** Probes an access that is not saved yet, through a transient client (closed after). */
  private async probe(ref: ClusterRef, access: ClusterAccess): Promise<ProbeResult> {
    const client = await this.pool.transient(ref, access);
    try {
      return await this.prober.probe(client);
    } finally {
      client.close();
    }
  }
}
