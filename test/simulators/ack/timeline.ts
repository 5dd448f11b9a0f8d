// Simulated time without timers: work is scheduled at a due time and applied lazily, in due order, by
// `advance()` (the simulator calls it before every request and state dump). Nothing keeps the event loop
// alive, so a forgotten simulator never hangs a test run; a polling client sees the same transitions.
export class Timeline {
  private jobs: { at: number; seq: number; run: () => void }[] = [];
  private seq = 0;

  constructor(private readonly timeScale = 1) {}

  /** Runs `run` once `ms` (scaled) have passed. */
  after(ms: number, run: () => void): void {
    this.jobs.push({ at: Date.now() + ms * this.timeScale, seq: this.seq++, run });
  }

  advance(now = Date.now()): void {
    for (;;) {
      const due = this.jobs.filter((j) => j.at <= now).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) return;
      this.jobs.splice(this.jobs.indexOf(due), 1);
      due.run();
    }
  }

  get pending(): number {
    return this.jobs.length;
  }
}
