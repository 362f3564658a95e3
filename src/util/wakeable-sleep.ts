/**
 * A sleep that can be ended early: a delivery loop idles until new work arrives or it is
 * stopped, and waits out a backoff that only a stop cuts short. One sleep at a time.
 */
export class WakeableSleep {
  private wakeUp: (() => void) | undefined;

  /** Resolves after `ms`, or at once when `wake()` is called meanwhile. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  /** Ends the sleep going on, if there is one. */
  wake(): void {
    this.wakeUp?.();
  }
}
