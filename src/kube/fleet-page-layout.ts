/** The part of one cluster's list a page needs: `take` objects after the first `skip` of that cluster. */
export interface ClusterWindow {
  skip: number;
  take: number;
  /** Every cluster before this one has settled: the window is the page's, not a guess. */
  exact: boolean;
}

/**
 * Where each cluster's objects fall on one page of a fleet list (clusters in order, each contributing
 * its count), learned while the clusters answer — so a cluster reads its items as soon as the clusters
 * before it have counted, instead of after the slowest cluster of the fleet.
 *
 * A cluster that fails (or is still silent when the wait for it ends) contributes nothing. A window
 * computed while an earlier cluster is silent is a guess that assumes it fails (the likely case: healthy
 * clusters count within moments of each other); on page 1 the guess is a superset of the true window.
 * The caller lays the page out again once every cluster has settled and reads what the guesses missed.
 */
export class FleetPageLayout {
  private readonly counts = new Map<number, number>();
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly from: number,
    private readonly to: number,
  ) {}

  /** The cluster at `position` has `count` objects (a later `drop` overrides it). */
  count(position: number, count: number): void {
    this.counts.set(position, count);
    this.wake();
  }

  /** The cluster at `position` failed, was refused or ran out of time: it contributes nothing. */
  drop(position: number): void {
    this.counts.set(position, 0);
    this.wake();
  }

  /** The window of the cluster at `position` (which has `count` objects) with what is known now. */
  now(position: number, count: number): ClusterWindow {
    let at = 0;
    let exact = true;
    for (let p = 0; p < position; p++) {
      const n = this.counts.get(p);
      if (n === undefined) exact = false;
      else at += n;
    }
    const skip = Math.max(0, this.from - at);
    const take = Math.max(0, Math.min(count, this.to - at) - skip);
    // Clusters before this one only push it further down: once the known ones fill the page, it has no part.
    return { skip, take, exact: exact || at >= this.to };
  }

  /**
   * The window once every cluster before `position` settled, or — when some are still silent after
   * `graceMs` — the guess that they fail. Ends early (with the guess) when `signal` aborts.
   */
  window(position: number, count: number, graceMs: number, signal?: AbortSignal): Promise<ClusterWindow> {
    const first = this.now(position, count);
    if (first.exact || signal?.aborted) return Promise.resolve(first);
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
        signal?.removeEventListener('abort', finish);
        resolve(this.now(position, count));
      };
      const check = () => {
        if (this.now(position, count).exact) finish();
      };
      const timer = setTimeout(finish, Math.max(0, graceMs));
      this.waiters.add(check);
      signal?.addEventListener('abort', finish, { once: true });
    });
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}
