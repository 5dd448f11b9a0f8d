import { type IncomingMessage, request } from 'node:http';

export interface SseEvent {
  event: string;
  id?: string;
  data: any;
}

/**
 * A Server-Sent Events client over node:http (no EventSource in Node): parses frames as they arrive,
 * keeps every event and comment, and can stop reading (a slow client) or hang up.
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  status = 0;
  headers: Headers = new Headers();
  ended = false;
  private res?: IncomingMessage;
  private rest = '';
  private waiters: (() => void)[] = [];
  private body = '';

  static async open(url: string, headers: Record<string, string>): Promise<SseClient> {
    const c = new SseClient();
    await new Promise<void>((resolve, reject) => {
      const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
        c.res = res;
        c.status = res.statusCode ?? 0;
        for (const [k, v] of Object.entries(res.headers))
          if (v !== undefined) c.headers.set(k, Array.isArray(v) ? v.join(', ') : v);
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => c.feed(chunk));
        res.on('close', () => {
          c.ended = true;
          c.notify();
        });
        res.on('error', () => undefined);
        resolve();
      });
      req.on('error', reject);
      req.end();
    });
    return c;
  }

  /** The whole body, for answers that are not a stream (errors). */
  async text(): Promise<string> {
    await this.until(() => this.ended, 10_000);
    return this.body;
  }

  private feed(chunk: string): void {
    if (this.status !== 200) {
      this.body += chunk;
      return;
    }
    this.rest += chunk;
    let end: number;
    while ((end = this.rest.indexOf('\n\n')) >= 0) {
      const frame = this.rest.slice(0, end);
      this.rest = this.rest.slice(end + 2);
      const ev: Partial<SseEvent> & { dataText?: string } = {};
      for (const line of frame.split('\n')) {
        if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
        else if (line.startsWith('event: ')) ev.event = line.slice(7);
        else if (line.startsWith('id: ')) ev.id = line.slice(4);
        else if (line.startsWith('data: ')) ev.dataText = (ev.dataText ?? '') + line.slice(6);
      }
      if (ev.dataText !== undefined)
        this.events.push({ event: ev.event ?? 'message', id: ev.id, data: JSON.parse(ev.dataText) });
    }
    this.notify();
  }

  private notify(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Waits until `cond` holds (checked after every chunk). */
  async until(cond: () => boolean, timeoutMs = 15_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!cond()) {
      if (Date.now() > end)
        throw new Error(
          `SSE condition not met within ${timeoutMs} ms; events: ${this.events
            .slice(-15)
            .map((e) => `${e.event}${e.id ? `#${e.id}` : ''} ${JSON.stringify(e.data).slice(0, 200)}`)
            .join('\n')}`,
        );
      await new Promise<void>((r) => {
        const t = setTimeout(r, 200);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** The first event after index `from` matching `pred` (waits for it). */
  async next(pred: (e: SseEvent) => boolean, timeoutMs = 15_000, from = 0): Promise<SseEvent> {
    let found: SseEvent | undefined;
    await this.until(() => !!(found = this.events.slice(from).find(pred)), timeoutMs);
    return found!;
  }

  pause(): void {
    this.res?.pause();
  }

  resume(): void {
    this.res?.resume();
  }

  close(): void {
    this.res?.destroy();
  }
}
