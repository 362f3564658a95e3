/**
 * The requests of one wire, one job at a time, in order; a job may go first (writes go ahead of
 * queued polls). `execute` runs a job and handles its failures itself.
 */
export class RequestQueue<J> {
  private readonly jobs: J[] = [];
  private working: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly execute: (job: J) => Promise<void>) {}

  get depth(): number {
    return this.jobs.length;
  }

  /** Is a job like this one waiting (not yet running)? */
  has(like: (job: J) => boolean): boolean {
    return this.jobs.some(like);
  }

  /** Queues a job, at the front when `first`, and works through the queue if idle. */
  add(job: J, first = false): void {
    if (first) this.jobs.unshift(job);
    else this.jobs.push(job);
    this.kick();
  }

  /** Takes no more work after the job under way; returns the jobs that were still waiting. */
  close(): J[] {
    this.closed = true;
    return this.jobs.splice(0);
  }

  /** Resolves once the job under way (if any) has finished. */
  idle(): Promise<void> {
    return this.working ?? Promise.resolve();
  }

  private kick(): void {
    if (this.working) return;
    this.working = this.drain().finally(() => {
      this.working = undefined;
      if (this.jobs.length > 0 && !this.closed) this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.jobs.length > 0) await this.execute(this.jobs.shift()!);
  }
}
