import { describe, expect, it } from '@jest/globals';
import { adapterStatsRecord } from '../../../src/historian/adapter-stats';
import { encodeLine } from '../../../src/historian/line-protocol';

describe('adapter statistics records', () => {
  it('turns a Modbus connection’s counters into fields, with errors summed', () => {
    const r = adapterStatsRecord(
      'demo',
      {
        name: 'modbus tcp:127.0.0.1:5020',
        details: () => ({
          devices: ['plant', 'hp1'],
          connected: false,
          requests: 120,
          timeouts: 3,
          exceptions: 2,
          connectionErrors: 1,
          reconnects: 4,
          queueDepth: 0,
          failing: ['hp1: timeout'],
        }),
      },
      1_700_000_000_000,
    );
    expect(r).toEqual({
      measurement: 'adapter',
      tags: { site: 'demo', adapter: 'modbus tcp:127.0.0.1:5020', protocol: 'modbus' },
      fields: {
        connected: 0,
        requests: 120,
        timeouts: 3,
        exceptions: 2,
        connection_errors: 1,
        reconnects: 4,
        queue_depth: 0,
        errors: 6,
      },
      time: 1_700_000_000_000,
    });
    // The adapter's name (spaces, colons) is a valid tag value.
    expect(encodeLine(r!)).toContain('adapter=modbus\\ tcp:127.0.0.1:5020');
  });

  it('maps OPC UA’s connection losses and connects, and leaves other components out', () => {
    const r = adapterStatsRecord(
      'demo',
      {
        name: 'opcua hall1',
        details: () => ({ connected: true, connects: 2, connectionLosses: 1, notifications: 900 }),
      },
      0,
    );
    expect(r?.fields).toEqual({
      connected: 1,
      connection_errors: 1,
      reconnects: 2,
      notifications: 900,
      errors: 1,
    });
    expect(
      adapterStatsRecord('demo', { name: 'historian', details: () => ({}) }, 0),
    ).toBeUndefined();
  });
});
