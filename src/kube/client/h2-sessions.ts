import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  connect as h2connect,
  type OutgoingHttpHeaders,
} from 'node:http2';
import { isIP } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import { guardedLookup, literalRefusal } from '../../common/outbound/guarded-agent.js';
import type { OutboundPolicy } from '../../common/outbound/outbound-policy.js';

/** The flow-control window Berth grants each stream (the API server's own frame and buffer size). */
const STREAM_WINDOW = 256 * 1024;
/** The connection's window: never the limit (each stream's window bounds what may wait unread). */
const SESSION_WINDOW = 2 ** 31 - 1;
/** A session without streams is closed after this long. */
const IDLE_MS = 30_000;

interface Session {
  session?: ClientHttp2Session;
  /** Streams open on it (counted from the request until the stream closed). */
  active: number;
  /** Connected, and the server's SETTINGS (its stream limit) are known. */
  ready: boolean;
  /** Told to go away (GOAWAY), failed or idle-closed: takes no new stream. */
  closing: boolean;
  settled: Promise<void>;
  idle?: NodeJS.Timeout;
}

/**
 * HTTP/2 sessions to one API server, for long-lived answers (watches, logs -f): every stream of the
 * cluster shares a few TLS connections instead of holding one each, as client-go does (an idle TLS
 * connection costs ~90 KiB of native memory; an HTTP/2 stream a fraction of it). A session takes streams
 * up to the server's SETTINGS_MAX_CONCURRENT_STREAMS (kube-apiserver: 100 by default, its
 * --http2-max-streams-per-connection), then another session is opened. Every connection goes through the
 * outbound policy like the HTTP/1.1 agent's. A server that does not offer `h2` in ALPN (an HTTP/1.1-only
 * proxy in front of the cluster) is remembered: `request` answers null and the caller uses HTTP/1.1.
 */
export class H2Sessions {
  private readonly sessions: Session[] = [];
  /** undefined until the first connection said (ALPN). */
  private supported: boolean | undefined;
  private closed = false;

  constructor(
    private readonly base: URL,
    private readonly tls: ConnectionOptions,
    private readonly policy: OutboundPolicy,
    private readonly connectTimeoutMs: number,
  ) {}

  /** Streams open now (all sessions). */
  get streams(): number {
    return this.sessions.reduce((n, s) => n + s.active, 0);
  }

  /** Sessions (TLS connections) open or opening now. */
  get connections(): number {
    return this.sessions.length;
  }

  /** Sends a GET (`headers` with `:path`); null when the server speaks no HTTP/2. Throws a connection failure. */
  async request(headers: OutgoingHttpHeaders): Promise<ClientHttp2Stream | null> {
    for (;;) {
      if (this.supported === false) return null;
      if (this.closed) throw Object.assign(new Error('client closed'), { code: 'ECONNRESET' });
      const room = this.sessions.find((s) => s.ready && !s.closing && s.active < this.limit(s));
      if (room) {
        const stream = this.open(room, headers);
        if (stream) return stream;
        continue;
      }
      // Requests arriving together wait for one new session (its SETTINGS say how many streams it takes).
      const pending = this.sessions.find((s) => !s.ready && !s.closing);
      await (pending ?? this.connect()).settled;
    }
  }

  close(): void {
    this.closed = true;
    for (const s of this.sessions.splice(0)) {
      clearTimeout(s.idle);
      s.session?.destroy();
    }
  }

  private limit(s: Session): number {
    return s.session?.remoteSettings.maxConcurrentStreams ?? 100;
  }

  private open(s: Session, headers: OutgoingHttpHeaders): ClientHttp2Stream | null {
    let stream: ClientHttp2Stream;
    try {
      stream = s.session!.request(headers, { endStream: true });
    } catch {
      // The session is going away (GOAWAY received, destroyed meanwhile): another one takes the stream.
      s.closing = true;
      return null;
    }
    s.active++;
    clearTimeout(s.idle);
    stream.once('close', () => {
      s.active--;
      if (s.active === 0 && !s.closing) {
        s.idle = setTimeout(() => {
          if (s.active > 0) return;
          s.closing = true;
          s.session?.close();
        }, IDLE_MS);
        s.idle.unref();
      }
    });
    return stream;
  }

  private drop(s: Session): void {
    s.closing = true;
    clearTimeout(s.idle);
    const i = this.sessions.indexOf(s);
    if (i >= 0) this.sessions.splice(i, 1);
  }

  private connect(): Session {
    const s: Session = { active: 0, ready: false, closing: false, settled: Promise.resolve() };
    this.sessions.push(s);
    s.settled = new Promise<void>((resolve, reject) => {
      const fail = (e: Error) => {
        this.drop(s);
        s.session?.destroy();
        reject(e);
      };
      const host = this.base.hostname.replace(/^\[|\]$/g, '');
      const refused = literalRefusal(this.policy, host);
      if (refused) return fail(refused);
      const socket = tlsConnect({
        ...this.tls,
        host,
        port: Number(this.base.port || 443),
        servername: this.tls.servername ?? (isIP(host) ? undefined : host),
        ALPNProtocols: ['h2', 'http/1.1'],
        lookup: guardedLookup(this.policy) as unknown as ConnectionOptions['lookup'],
      });
      const timer = setTimeout(() => {
        socket.destroy();
        fail(
          Object.assign(new Error(`no HTTP/2 session within ${this.connectTimeoutMs} ms`), {
            code: 'ETIMEDOUT',
          }),
        );
      }, this.connectTimeoutMs);
      socket.once('error', (e) => {
        clearTimeout(timer);
        fail(e);
      });
      socket.once('secureConnect', () => {
        if (socket.alpnProtocol !== 'h2') {
          clearTimeout(timer);
          this.supported = false;
          this.drop(s);
          socket.destroy();
          return resolve();
        }
        this.supported = true;
        const session = h2connect(this.base.origin, {
          settings: { enablePush: false, initialWindowSize: STREAM_WINDOW },
          createConnection: () => socket,
        });
        s.session = session;
        // Stream errors reach each stream; a session error also closes the session (below).
        session.on('error', () => undefined);
        session.once('goaway', () => (s.closing = true));
        session.once('close', () => {
          clearTimeout(timer);
          this.drop(s);
          reject(Object.assign(new Error('the HTTP/2 session closed'), { code: 'ECONNRESET' }));
        });
        session.once('remoteSettings', () => {
          clearTimeout(timer);
          session.setLocalWindowSize(SESSION_WINDOW);
          s.ready = true;
          resolve();
        });
      });
    });
    // Waiters see the failure; nobody waiting must not make it an unhandled rejection.
    s.settled.catch(() => undefined);
    return s;
  }
}
