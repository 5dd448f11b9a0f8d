import { describe, expect, it } from '@jest/globals';
import { FleetPageLayout } from './fleet-page-layout.js';

describe('FleetPageLayout', () => {
  it('lays clusters out in order: each takes the part of the page after the clusters before it', () => {
    const l = new FleetPageLayout(0, 500); // page 1 of 500
    l.count(0, 200);
    l.count(1, 200);
    expect(l.now(0, 200)).toEqual({ skip: 0, take: 200, exact: true });
    expect(l.now(1, 200)).toEqual({ skip: 0, take: 200, exact: true });
    expect(l.now(2, 200)).toEqual({ skip: 0, take: 100, exact: true });
    l.count(2, 200);
    expect(l.now(3, 200)).toEqual({ skip: 0, take: 0, exact: true });
  });

  it('a deep page skips into the cluster it starts in', () => {
    const l = new FleetPageLayout(250, 270);
    l.count(0, 200);
    expect(l.now(1, 200)).toEqual({ skip: 50, take: 20, exact: true });
    l.count(1, 30);
    expect(l.now(2, 200)).toEqual({ skip: 20, take: 20, exact: true });
  });

  it('a silent cluster before makes the window a guess that assumes it fails; once the known ones fill the page it is exact', () => {
    const l = new FleetPageLayout(0, 500);
    l.count(1, 300);
    expect(l.now(2, 300)).toEqual({ skip: 0, take: 200, exact: false });
    l.count(2, 300);
    expect(l.now(3, 100)).toEqual({ skip: 0, take: 0, exact: true });
  });

  it('window() resolves as soon as the clusters before settle (a drop counts as settled, contributing nothing)', async () => {
    const l = new FleetPageLayout(0, 500);
    const w = l.window(2, 200, 60_000);
    l.count(0, 200);
    l.drop(1);
    await expect(w).resolves.toEqual({ skip: 0, take: 200, exact: true });
  });

  it('window() gives the guess after the grace when a cluster before stays silent, or when aborted', async () => {
    const l = new FleetPageLayout(0, 500);
    l.count(1, 450);
    const started = performance.now();
    await expect(l.window(2, 200, 30)).resolves.toEqual({ skip: 0, take: 50, exact: false });
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    const abort = new AbortController();
    const w = l.window(2, 200, 60_000, abort.signal);
    abort.abort();
    await expect(w).resolves.toEqual({ skip: 0, take: 50, exact: false });
  });
});
