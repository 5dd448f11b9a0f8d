// Shared HTTP plumbing for the vendor simulators: routing, JSON bodies, fault injection and the
// /__sim admin endpoints. Each vendor simulator builds on this and speaks its vendor's own formats.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SimRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** Raw body bytes (signatures are computed over them). */
  rawBody: Buffer;
  /** Parsed JSON body, or undefined. */
  body: unknown;
  /** Route parameters (":id" segments). */
  params: Record<string, string>;
  /** Free-form label a simulator sets for fault matching (e.g. an ACK/TKE action name). */
  action?: string;
}

export interface SimResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** One request and the answer it got, as they crossed the wire (for fidelity checks against a vendor's spec). */
export interface Exchange {
  method: string;
  /** The path as sent, still URL-encoded. */
  rawPath: string;
  query: Record<string, string>;
  requestHeaders: Record<string, string>;
  /** Parsed JSON body, or undefined. */
  requestBody: unknown;
  status: number;
  /** Lower-cased names. */
  responseHeaders: Record<string, string>;
  responseBody: unknown;
}

export type Handler = (req: SimRequest) => Promise<SimResponse> | SimResponse;

/**
 * A fault to inject. It matches requests by action (ACK/TKE action, e.g. "CreateCluster") and/or
 * method + path regex, fires `count` times (default: until cleared), and makes the simulator answer:
 * - "error": the vendor's own error envelope with `status` (default 500) and `code`
 * - "throttle": the vendor's throttling error
 * - "slow": waits `delay_ms` before answering normally
 * - "hang": never answers (until the client gives up or the simulator closes)
 * - "fail-task": async work started by the matched call ends in failure (vendor-specific)
 */
export interface Fault {
  kind: 'error' | 'throttle' | 'slow' | 'hang' | 'fail-task';
  action?: string;
  method?: string;
  path?: string;
  count?: number;
  status?: number;
  code?: string;
  message?: string;
  delay_ms?: number;
}

export class FaultBook {
  private faults: (Fault & { remaining: number })[] = [];

  add(f: Fault): void {
    this.faults.push({ ...f, remaining: f.count ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.faults = [];
  }

  list(): Fault[] {
    return this.faults.map(({ remaining: _r, ...f }) => f);
  }

  /** Takes (consumes one use of) the first fault matching this request and kind set. */
  take(req: Pick<SimRequest, 'method' | 'path' | 'action'>, kinds: Fault['kind'][]): Fault | undefined {
    const i = this.faults.findIndex(
      (f) =>
        kinds.includes(f.kind) &&
        f.remaining > 0 &&
        (!f.action || f.action === req.action) &&
        (!f.method || f.method.toUpperCase() === req.method) &&
        (!f.path || new RegExp(f.path).test(req.path)),
    );
    if (i < 0) return undefined;
    const f = this.faults[i];
    f.remaining--;
    if (f.remaining <= 0) this.faults.splice(i, 1);
    return f;
  }
}

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: Handler;
}

export interface SimServerOptions {
  /** Turns a fault of kind error/throttle into this vendor's response format. */
  renderFault: (fault: Fault, req: SimRequest) => SimResponse;
  /** Turns an unmatched route into this vendor's 404. */
  notFound: (req: SimRequest) => SimResponse;
  /** Runs before routing: authentication, signature checks, setting req.action. Return a response to stop. */
  before?: (req: SimRequest) => Promise<SimResponse | undefined> | SimResponse | undefined;
  /** Extra state for GET /__sim/state. */
  state?: () => unknown;
  /** Keep every exchange (request + answer) in `exchanges`. */
  recordExchanges?: boolean;
}

export class SimServer {
  readonly faults = new FaultBook();
  private readonly routes: Route[] = [];
  private server?: Server;
  private readonly open = new Set<ServerResponse>();
  /** Every request received, newest last (method, path, action), for tests that count vendor calls. */
  readonly calls: { method: string; path: string; action?: string; at: number }[] = [];
  /** Every exchange answered (when `recordExchanges` is on), oldest first. */
  readonly exchanges: Exchange[] = [];

  constructor(private readonly opts: SimServerOptions) {}

  route(method: string, path: string, handler: Handler): this {
    const keys: string[] = [];
    const pattern = new RegExp(
      '^' +
        path.replace(/\//g, '\\/').replace(/:(\w+)/g, (_, k: string) => (keys.push(k), '([^/]+)')) +
        '\\/?$',
    );
    this.routes.push({ method: method.toUpperCase(), pattern, keys, handler });
    return this;
  }

  get url(): string {
    const a = this.server?.address() as AddressInfo | null;
    if (!a) throw new Error('simulator is not listening');
    return `http://127.0.0.1:${a.port}`;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => void this.dispatch(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, host, resolve));
    return this.url;
  }

  async close(): Promise<void> {
    for (const res of this.open) res.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async dispatch(raw: IncomingMessage, res: ServerResponse): Promise<void> {
    this.open.add(res);
    res.on('close', () => this.open.delete(res));
    const chunks: Buffer[] = [];
    for await (const c of raw) chunks.push(c as Buffer);
    const rawBody = Buffer.concat(chunks);
    const u = new URL(raw.url ?? '/', 'http://sim');
    let body: unknown;
    if (rawBody.length && /json/.test(String(raw.headers['content-type'] ?? ''))) {
      try {
        body = JSON.parse(rawBody.toString('utf8'));
      } catch {
        body = undefined;
      }
    }
    const req: SimRequest = {
      method: raw.method ?? 'GET',
      path: decodeURIComponent(u.pathname),
      query: u.searchParams,
      headers: raw.headers,
      rawBody,
      body,
      params: {},
    };
    try {
      const out = await this.handle(req);
      if (out === 'hang') return;
      const headers: Record<string, string> = { ...(out.headers ?? {}) };
      let payload: string | undefined;
      if (out.body !== undefined) {
        payload = typeof out.body === 'string' ? out.body : JSON.stringify(out.body);
        headers['content-type'] ??= typeof out.body === 'string' ? 'text/plain' : 'application/json';
      }
      if (this.opts.recordExchanges && !req.path.startsWith('/__sim/'))
        this.exchanges.push({
          method: req.method,
          rawPath: u.pathname,
          query: Object.fromEntries(u.searchParams),
          requestHeaders: Object.fromEntries(
            Object.entries(raw.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]),
          ),
          requestBody: body,
          status: out.status,
          responseHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
          responseBody: out.body,
        });
      res.writeHead(out.status, headers).end(payload);
    } catch (e) {
      res
        .writeHead(500, { 'content-type': 'application/json' })
        .end(JSON.stringify({ simulator_error: String((e as Error)?.stack ?? e) }));
    }
  }

  private async handle(req: SimRequest): Promise<SimResponse | 'hang'> {
    if (req.path.startsWith('/__sim/')) return this.admin(req);
    const early = await this.opts.before?.(req);
    this.calls.push({ method: req.method, path: req.path, action: req.action, at: Date.now() });
    if (early) return early;
    const slow = this.faults.take(req, ['slow']);
    if (slow) await new Promise((r) => setTimeout(r, slow.delay_ms ?? 1000));
    if (this.faults.take(req, ['hang'])) return 'hang';
    const fault = this.faults.take(req, ['error', 'throttle']);
    if (fault) return this.opts.renderFault(fault, req);
    for (const r of this.routes) {
      if (r.method !== req.method) continue;
      const m = r.pattern.exec(req.path);
      if (!m) continue;
      req.params = Object.fromEntries(r.keys.map((k, i) => [k, decodeURIComponent(m[i + 1])]));
      return r.handler(req);
    }
    return this.opts.notFound(req);
  }

  /** POST /__sim/faults (a Fault), DELETE /__sim/faults, GET /__sim/faults, GET /__sim/state, GET /__sim/calls. */
  private admin(req: SimRequest): SimResponse {
    if (req.path === '/__sim/faults' && req.method === 'POST') {
      this.faults.add(req.body as Fault);
      return { status: 201, body: { faults: this.faults.list() } };
    }
    if (req.path === '/__sim/faults' && req.method === 'DELETE') {
      this.faults.clear();
      return { status: 200, body: { faults: [] } };
    }
    if (req.path === '/__sim/faults') return { status: 200, body: { faults: this.faults.list() } };
    if (req.path === '/__sim/state') return { status: 200, body: this.opts.state?.() ?? {} };
    if (req.path === '/__sim/calls') return { status: 200, body: { calls: this.calls } };
    return { status: 404, body: { error: 'unknown simulator admin route' } };
  }
}
