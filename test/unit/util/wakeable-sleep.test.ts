import { describe, expect, it, jest } from '@jest/globals';
import { WakeableSleep } from '../../../src/util/wakeable-sleep';

describe('WakeableSleep', () => {
  it('ends after its time, or at once when woken', async () => {
    jest.useFakeTimers();
    try {
      const s = new WakeableSleep();
      let ended = false;
      const long = s.sleep(3_600_000).then(() => (ended = true));
      await jest.advanceTimersByTimeAsync(1000);
      expect(ended).toBe(false);
      s.wake();
      await long;
      expect(jest.getTimerCount()).toBe(0); // the timer went with it
      const short = s.sleep(50).then(() => 'slept');
      await jest.advanceTimersByTimeAsync(50);
      expect(await short).toBe('slept');
      s.wake(); // nothing to wake: harmless
    } finally {
      jest.useRealTimers();
    }
  });
});
