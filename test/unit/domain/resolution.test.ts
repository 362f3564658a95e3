import { describe, expect, it } from '@jest/globals';
import {
  atResolution,
  decimalsOf,
  formatAtResolution,
  formatWithUnit,
} from '../../../src/domain/resolution';

describe('value resolution', () => {
  it('rounds float noise away at the unit default', () => {
    expect(atResolution(80.30000000000001, { unit: 'degC' })).toBe(80.3);
    expect(atResolution(41.900000000000006, { unit: 'degC' })).toBe(41.9);
    expect(atResolution(1.0781893004115226, { unit: 'ratio' })).toBe(1.08);
    expect(atResolution(0.1 + 0.2, { unit: 'kW' })).toBe(0.3);
  });

  it('uses a configured resolution over the unit default', () => {
    expect(atResolution(12.4, { unit: 'kW', resolution: 5 })).toBe(10);
    expect(atResolution(12.6, { unit: 'kW', resolution: 5 })).toBe(15);
    expect(atResolution(60.26, { unit: 'degC', resolution: 0.5 })).toBe(60.5);
    expect(formatAtResolution(60.26, { unit: 'degC', resolution: 0.25 })).toBe('60.25');
  });

  it('passes non-numbers through', () => {
    expect(atResolution(true, { unit: 'bool' })).toBe(true);
    expect(atResolution('run', { unit: 'text' })).toBe('run');
    expect(atResolution(Number.NaN, { unit: 'kW' })).toBeNaN();
  });

  it('formats with fixed decimals and the unit as people write it', () => {
    expect(formatWithUnit(60, { unit: 'degC' })).toBe('60.0 °C');
    expect(formatWithUnit(4.123, { unit: 'ratio' })).toBe('4.12');
    expect(formatWithUnit(55.56, { unit: '%' })).toBe('55.6 %');
    expect(formatWithUnit(false, { unit: 'bool' })).toBe('false');
    expect(decimalsOf(0.001)).toBe(3);
    expect(decimalsOf(5)).toBe(0);
  });
});
