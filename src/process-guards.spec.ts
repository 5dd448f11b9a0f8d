import { describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { installProcessGuards } from './process-guards.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean))
        lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { log: pino({ level: 'info' }, sink), lines };
}

describe('process guards', () => {
  it('a stray rejection is logged and the process keeps running', async () => {
    const { log, lines } = capture();
    const exits: number[] = [];
    const guards = installProcessGuards(log, { shutdown: async () => undefined, exit: (c) => exits.push(c) });
    try {
      expect(process.listeners('unhandledRejection')).toContain(guards.onRejection);
      // (Jest owns the process' real rejection events, so the handler is called as Node would call it.)
      guards.onRejection(new Error('cluster x: late failure'));
      await new Promise((r) => setTimeout(r, 20));
      expect(lines).toContainEqual(
        expect.objectContaining({
          level: 50,
          event: 'unhandledRejection',
          msg: expect.stringContaining('cluster x: late failure'),
        }),
      );
      expect(exits).toEqual([]);
    } finally {
      guards.uninstall();
    }
    expect(process.listeners('unhandledRejection')).not.toContain(guards.onRejection);
  });

  it('an uncaught exception is logged as fatal, then Berth shuts down and exits non-zero (once)', async () => {
    const { log, lines } = capture();
    const exits: number[] = [];
    let shutdowns = 0;
    const guards = installProcessGuards(log, {
      shutdown: async () => void shutdowns++,
      exit: (c) => exits.push(c),
    });
    try {
      guards.onException(new Error('boom'), 'uncaughtException');
      guards.onException(new Error('again'), 'uncaughtException');
      await new Promise((r) => setTimeout(r, 20));
      expect(lines.filter((l) => l.level === 60)).toHaveLength(2);
      expect(shutdowns).toBe(1);
      expect(exits).toEqual([1]);
    } finally {
      guards.uninstall();
    }
  });

  it('a shutdown that hangs still ends in an exit within its bound', async () => {
    const { log } = capture();
    const exits: number[] = [];
    const guards = installProcessGuards(log, {
      shutdown: () => new Promise(() => undefined),
      shutdownTimeoutMs: 50,
      exit: (c) => exits.push(c),
    });
    try {
      guards.onException(new Error('boom'), 'uncaughtException');
      await new Promise((r) => setTimeout(r, 120));
      expect(exits).toEqual([1]);
    } finally {
      guards.uninstall();
    }
  });
});
