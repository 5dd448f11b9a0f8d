import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import http, { type ClientRequestArgs } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { type OutboundPolicy, OutboundRefusedError } from './outbound-policy.js';

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for net/tls connect options that resolves as usual and then refuses the connection when
 * any resolved address is refused by the policy. It runs for every new socket, right before connecting,
 * so the address checked is the address connected to.
 */
export function guardedLookup(policy: OutboundPolicy) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      for (const a of addresses) {
        const why = policy.refusal(hostname, a.address);
        if (why)
          return callback(
            new OutboundRefusedError(hostname, a.address, why) as unknown as NodeJS.ErrnoException,
            [],
          );
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      callback(null, first.address, first.family);
    });
  };
}

/** IP literals never go through `lookup`: the policy's refusal of one (null: allowed, or not a literal). */
export function literalRefusal(policy: OutboundPolicy, host: string): OutboundRefusedError | null {
  const bare = host.replace(/^\[|\]$/g, '');
  if (!isIP(bare)) return null;
  const why = policy.refusal(bare, bare);
  return why ? new OutboundRefusedError(bare, bare, why) : null;
}

/** IP literals are checked here, when the socket is created. */
function refuseLiteral(
  policy: OutboundPolicy,
  options: ClientRequestArgs,
  callback?: (err: Error | null, stream: Duplex) => void,
): boolean {
  const err = literalRefusal(policy, String(options.host ?? options.hostname ?? 'localhost'));
  if (!err) return false;
  process.nextTick(() => callback?.(err, undefined as unknown as Duplex));
  return true;
}

/** An HTTPS agent whose every connection is checked against the outbound policy. */
export class GuardedHttpsAgent extends https.Agent {
  constructor(
    readonly policy: OutboundPolicy,
    options: https.AgentOptions = {},
  ) {
    super({ ...options, lookup: guardedLookup(policy) as unknown as https.AgentOptions['lookup'] });
  }

  override createConnection(
    options: https.RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    if (refuseLiteral(this.policy, options, callback)) return undefined;
    return super.createConnection(
      { ...options, lookup: guardedLookup(this.policy) as unknown as https.RequestOptions['lookup'] },
      callback,
    );
  }
}

/** An HTTP agent whose every connection is checked against the outbound policy. */
export class GuardedHttpAgent extends http.Agent {
  constructor(
    private readonly policy: OutboundPolicy,
    options: http.AgentOptions = {},
  ) {
    super({ ...options, lookup: guardedLookup(policy) as unknown as http.AgentOptions['lookup'] });
  }

  override createConnection(
    options: ClientRequestArgs,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    if (refuseLiteral(this.policy, options, callback)) return undefined;
    return super.createConnection(
      { ...options, lookup: guardedLookup(this.policy) as unknown as ClientRequestArgs['lookup'] },
      callback,
    );
  }
}
