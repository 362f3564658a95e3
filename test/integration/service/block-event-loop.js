// Test-only preload (`node --require`), never shipped: on SIGUSR2 it blocks the event loop of the
// process it is loaded into for HB_TEST_BLOCK_MS (default 3000) ms, with a busy wait in the signal
// handler, which runs on the event loop. It writes `event-loop blocked <ms>` and
// `event-loop unblocked <ms>` (wall-clock times) straight to stderr, synchronously.
'use strict';
const { writeSync } = require('node:fs');

process.on('SIGUSR2', () => {
  const ms = Number(process.env.HB_TEST_BLOCK_MS ?? 3000);
  const from = Date.now();
  writeSync(2, `event-loop blocked ${from}\n`);
  while (Date.now() - from < ms) {
    // busy: no timer, no I/O callback, no child-process event runs meanwhile
  }
  writeSync(2, `event-loop unblocked ${Date.now()}\n`);
});
