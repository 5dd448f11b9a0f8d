import { describe, expect, it } from '@jest/globals';
import type { IncomingMessage } from 'node:http';
import { PassThrough, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { openList, readItems } from './list-stream.js';

function upstream(text: string, chunk = 7): IncomingMessage & PassThrough {
  const s = new PassThrough();
  const buf = Buffer.from(text);
  let i = 0;
  const push = () => {
    if (i >= buf.length) return void s.end();
    s.write(buf.subarray(i, (i += chunk)));
    setImmediate(push);
  };
  setImmediate(push);
  return s as unknown as IncomingMessage & PassThrough;
}

const items = [{ metadata: { name: 'a' } }, { metadata: { name: 'b', annotations: { q: 'x"]}' } } }];

describe('openList', () => {
  it('passes the items through and reads metadata written before them (typed lists)', async () => {
    const text =
      JSON.stringify({
        kind: 'PodList',
        apiVersion: 'v1',
        metadata: { continue: 'c1', remainingItemCount: 9 },
        items,
      }) + '\n';
    const list = await openList(upstream(text), 2);
    expect(JSON.parse((await readItems(list)).toString())).toEqual(items);
    expect(list.count()).toBe(2);
    expect(list.metadata()).toEqual({ continue: 'c1', remainingItemCount: 9 });
  });

  it('reads metadata written after the items (unstructured lists of custom resources)', async () => {
    const text = `{"apiVersion":"example.com/v1","items":${JSON.stringify(items)},"kind":"WidgetList","metadata":{"continue":"c2","remainingItemCount":3}}`;
    const list = await openList(upstream(text, 5), 2);
    expect(list.metadata()).toEqual({});
    expect(JSON.parse((await readItems(list)).toString())).toEqual(items);
    expect(list.metadata()).toEqual({ continue: 'c2', remainingItemCount: 3 });
  });

  it('counts a last page (no continue) by scanning, and trusts a full typed page', async () => {
    const last = await openList(
      upstream(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items })),
      500,
    );
    await readItems(last);
    expect(last.count()).toBe(2);
    const full = await openList(
      upstream(
        JSON.stringify({
          kind: 'PodList',
          apiVersion: 'v1',
          metadata: { continue: 'x', remainingItemCount: 1 },
          items,
        }),
      ),
      2,
    );
    expect(JSON.parse((await readItems(full)).toString())).toEqual(items);
    expect(full.count()).toBe(2);
  });

  it('finds item boundaries while the items stream, whatever the chunking', async () => {
    const text = JSON.stringify({
      kind: 'PodList',
      apiVersion: 'v1',
      metadata: { continue: 'x', remainingItemCount: 4 },
      items,
    });
    for (const chunk of [1, 3, 7, 64]) {
      const list = await openList(upstream(text, chunk), 2, { slices: true });
      const raw = await readItems(list);
      expect(list.slices().map(([a, b]) => JSON.parse(raw.subarray(a, b).toString()))).toEqual(items);
    }
  });

  it('turns "items": null into an empty array', async () => {
    const list = await openList(
      upstream(
        '{"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1","metadata":{"resourceVersion":"5"},"items":null}',
      ),
      10,
    );
    expect((await readItems(list)).toString()).toBe('[]');
    expect(list.count()).toBe(0);
  });

  it('releases the upstream answer when the reader stops early or the list is unreadable', async () => {
    const big = JSON.stringify({
      kind: 'PodList',
      apiVersion: 'v1',
      metadata: {},
      items: Array.from({ length: 200 }, (_, i) => ({ metadata: { name: `p${i}` } })),
    });
    const res = upstream(big, 64);
    const list = await openList(res, 200);
    for await (const _ of list.items) break;
    expect(res.destroyed).toBe(true);
    const broken = upstream('{"kind":"PodList",garbage,"items":[]}');
    await expect(openList(broken, 1)).rejects.toMatchObject({ code: 50201 });
    expect(broken.destroyed).toBe(true);
  });

  it('close() releases an answer whose items were never read (a generator that never ran has no finally)', async () => {
    const res = upstream(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items }), 4);
    const list = await openList(res, 2);
    list.close();
    expect(res.destroyed).toBe(true);
    // After a complete read there is nothing to release, and close() is harmless.
    const whole = upstream(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items }));
    const read = await openList(whole, 2);
    await readItems(read);
    read.close();
    read.close();
  });

  it('an API server that sends a head and stalls before the items times out and is released', async () => {
    const stalled = new PassThrough();
    stalled.write('{"kind":"PodList","apiVersion":"v1","metadata":{}');
    await expect(openList(stalled as unknown as IncomingMessage, 1, { timeoutMs: 50 })).rejects.toMatchObject(
      { code: 50400 },
    );
    expect(stalled.destroyed).toBe(true);
  });

  it('relay(): lead, items and trailer with backpressure (the upstream pauses behind a slow reader)', async () => {
    const many = Array.from({ length: 3000 }, (_, i) => ({
      metadata: { name: `p${i}`, pad: 'x'.repeat(100) },
    }));
    const text = JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items: many });
    const res = upstream(text, 4096);
    const list = await openList(res, 3000);
    let paused = 0;
    const out: Buffer[] = [];
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, cb) {
        if (res.isPaused()) paused++;
        out.push(chunk);
        setTimeout(cb, 1);
      },
    });
    await pipeline(
      list.relay(Buffer.from('{"data":'), async () => Buffer.from(`,"total":${list.count()}}`)),
      slow,
    );
    expect(JSON.parse(Buffer.concat(out).toString())).toEqual({ data: many, total: 3000 });
    expect(paused).toBeGreaterThan(0);
  });

  it('relay(): a broken upstream destroys the stream with the cluster error and releases the answer', async () => {
    const res = upstream('{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[{"a":1},', 4);
    const list = await openList(res, 2);
    const relayed = list.relay(Buffer.from('['), async () => Buffer.from(']'));
    await expect(pipeline(relayed, new PassThrough().resume())).rejects.toMatchObject({ code: 50201 });
  });
});
