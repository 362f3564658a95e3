import { describe, expect, it } from '@jest/globals';
import { DataType, StatusCodes, Variant, VariantArrayType } from 'node-opcua';
import { northboundOpcuaSchema } from '../../../src/config/northbound-opcua';
import { pointId } from '../../../src/domain/point-id';
import { QUALITIES } from '../../../src/domain/quality';
import type { Sample } from '../../../src/domain/sample';
import { UNITS } from '../../../src/domain/units';
import { listenError } from '../../../src/northbound/opcua/opcua-server';
import { euInformationOf, UNECE_UNITS } from '../../../src/northbound/opcua/units';
import {
  dataValueOfSample,
  STATUS_OF_QUALITY,
  statusOfWrite,
  writtenValue,
} from '../../../src/northbound/opcua/values';

const ID = pointId('hp1', 'condenser_out_temp');
const sample = (over: Partial<Sample> = {}): Sample => ({
  id: ID,
  value: 61.5,
  ts: 1_000,
  receivedAt: 1_200,
  quality: 'good',
  ...over,
});

describe('OPC UA EngineeringUnits', () => {
  it('has an entry for every HeatBridge unit, analog ones with a symbol', () => {
    for (const unit of UNITS) {
      expect(unit in UNECE_UNITS).toBe(true);
      const eu = euInformationOf(unit);
      if (unit === 'bool' || unit === 'text') expect(eu).toBeUndefined();
      else expect(eu?.displayName.text).toBeTruthy();
    }
  });

  it('uses the UNECE common codes as OPC UA unit ids (degC → CEL, kW → KWT, m3/h → MQH, % → P1)', () => {
    const code = (s: string): number => [...s].reduce((n, c) => n * 256 + c.charCodeAt(0), 0);
    expect(euInformationOf('degC')?.unitId).toBe(code('CEL'));
    expect(euInformationOf('kW')?.unitId).toBe(code('KWT'));
    expect(euInformationOf('kWh')?.unitId).toBe(code('KWH'));
    expect(euInformationOf('m3/h')?.unitId).toBe(code('MQH'));
    expect(euInformationOf('%')?.unitId).toBe(code('P1'));
    expect(euInformationOf('degC')?.namespaceUri).toBe(
      'http://www.opcfoundation.org/UA/units/un/cefact',
    );
  });

  it('gives money, which has no UNECE code, unit id -1 and its symbol', () => {
    expect(euInformationOf('EUR/MWh')).toMatchObject({ unitId: -1 });
    expect(euInformationOf('EUR/MWh')?.displayName.text).toBe('EUR/MWh');
  });
});

describe('OPC UA values and status codes', () => {
  it('maps each quality to its status code (stale: UncertainLastUsableValue)', () => {
    expect(Object.keys(STATUS_OF_QUALITY).sort()).toEqual([...QUALITIES].sort());
    expect(STATUS_OF_QUALITY.good).toBe(StatusCodes.Good);
    expect(STATUS_OF_QUALITY.uncertain.name).toBe('Uncertain');
    expect(STATUS_OF_QUALITY.stale).toBe(StatusCodes.UncertainLastUsableValue);
    expect(STATUS_OF_QUALITY.bad.isNotGood()).toBe(true);
  });

  it('shows a sample with its source time, and as stale once its stale window has passed', () => {
    const def = { unit: 'degC', staleAfterMs: 3_000 } as const;
    const fresh = dataValueOfSample(sample(), def, 2_000);
    expect(fresh.value).toMatchObject({ dataType: DataType.Double, value: 61.5 });
    expect(fresh.statusCode).toBe(StatusCodes.Good);
    expect(fresh.sourceTimestamp?.getTime()).toBe(1_000);
    // Age is judged on receivedAt (1 200 ms): stale after 4 200 ms.
    expect(dataValueOfSample(sample(), def, 4_300).statusCode).toBe(
      StatusCodes.UncertainLastUsableValue,
    );
  });

  it('shows a bad sample without a value as Bad with no value, and no sample as BadWaitingForInitialData', () => {
    const def = { unit: 'degC', staleAfterMs: 3_000 } as const;
    const bad = dataValueOfSample(sample({ value: null, quality: 'bad' }), def, 2_000);
    expect(bad.value.dataType).toBe(DataType.Null);
    expect(bad.statusCode.name).toBe('Bad');
    expect(dataValueOfSample(undefined, def, 2_000).statusCode).toBe(
      StatusCodes.BadWaitingForInitialData,
    );
  });

  it('gives booleans and text their own types, and a value of the wrong type BadTypeMismatch', () => {
    expect(
      dataValueOfSample(sample({ value: true }), { unit: 'bool', staleAfterMs: 3_000 }, 2_000)
        .value,
    ).toMatchObject({ dataType: DataType.Boolean, value: true });
    expect(
      dataValueOfSample(sample({ value: 'auto' }), { unit: 'text', staleAfterMs: 3_000 }, 2_000)
        .value,
    ).toMatchObject({ dataType: DataType.String, value: 'auto' });
    expect(
      dataValueOfSample(sample({ value: 'x' }), { unit: 'kW', staleAfterMs: 3_000 }, 2_000)
        .statusCode,
    ).toBe(StatusCodes.BadTypeMismatch);
  });

  it('maps the gate’s outcomes to Write status codes', () => {
    const ok = { ok: true, value: 70, expiresAt: 1, renewed: false } as const;
    expect(statusOfWrite({ ...ok, adjusted: [] })).toBe(StatusCodes.Good);
    expect(statusOfWrite({ ...ok, adjusted: ['clamped from 500 to the maximum 95'] })).toBe(
      StatusCodes.GoodClamped,
    );
    const refused = (
      code: Parameters<typeof statusOfWrite>[0] extends infer R
        ? R extends { ok: false; code: infer C }
          ? C
          : never
        : never,
    ) => statusOfWrite({ ok: false, code, reason: 'r' });
    expect(refused('forbidden')).toBe(StatusCodes.BadUserAccessDenied);
    expect(refused('wrong-type')).toBe(StatusCodes.BadTypeMismatch);
    expect(refused('not-finite')).toBe(StatusCodes.BadOutOfRange);
    expect(refused('read-only-site')).toBe(StatusCodes.BadNotWritable);
    expect(refused('unavailable')).toBe(StatusCodes.BadResourceUnavailable);
    expect(refused('failed')).toBe(StatusCodes.BadInternalError);
  });

  it('takes scalar numbers, booleans, strings and 64-bit integers from a client, nothing else', () => {
    expect(writtenValue(new Variant({ dataType: DataType.Double, value: 72 }))).toBe(72);
    expect(writtenValue(new Variant({ dataType: DataType.Float, value: 1.5 }))).toBe(1.5);
    expect(writtenValue(new Variant({ dataType: DataType.Boolean, value: true }))).toBe(true);
    expect(
      writtenValue(
        new Variant({
          dataType: DataType.Int64,
          arrayType: VariantArrayType.Scalar,
          value: [0, 1200],
        }),
      ),
    ).toBe(1200);
    // Int64 is signed: a negative price request (−5 EUR/MWh) is −5, not 2⁶⁴ − 5 (refused).
    expect(writtenValue(new Variant({ dataType: DataType.Int64, value: -5 }))).toBe(-5);
    // −2⁴⁰ as its two words (node-opcua builds only 32-bit negatives from a number).
    expect(
      writtenValue(
        new Variant({
          dataType: DataType.Int64,
          arrayType: VariantArrayType.Scalar,
          value: [0xffffff00, 0],
        }),
      ),
    ).toBe(-(2 ** 40));
    // UInt64 has no sign: its top half set is a number beyond a double's exact integers.
    expect(
      writtenValue(
        new Variant({
          dataType: DataType.UInt64,
          arrayType: VariantArrayType.Scalar,
          value: [0xffffffff, 0xfffffffb],
        }),
      ),
    ).toBeUndefined();
    expect(
      writtenValue(
        new Variant({
          dataType: DataType.Double,
          arrayType: VariantArrayType.Array,
          value: [1, 2],
        }),
      ),
    ).toBeUndefined();
    expect(writtenValue(new Variant({ dataType: DataType.Null }))).toBeUndefined();
  });
});

describe('northbound.opcua config', () => {
  const schema = northboundOpcuaSchema({});

  it('is secure by default: loopback, port 4841, the three secure policies, no None, no anonymous', () => {
    expect(schema.parse({})).toMatchObject({
      host: '127.0.0.1',
      port: 4841,
      resourcePath: '/heatbridge',
      pkiDir: 'data/pki/opcua-server',
      securityPolicies: ['Basic256Sha256', 'Aes128_Sha256_RsaOaep', 'Aes256_Sha256_RsaPss'],
      securityModes: ['Sign', 'SignAndEncrypt'],
      allowInsecure: false,
      allowAnonymous: false,
    });
  });

  it('refuses None in the lists and says how to ask for it', () => {
    const r = schema.safeParse({ securityPolicies: ['None'], securityModes: ['None'] });
    expect(r.success).toBe(false);
    const messages = r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages).toEqual([
      expect.stringMatching(/^securityPolicies\.0: None is not offered.*allowInsecure: true/),
      expect.stringMatching(/^securityModes\.0: None is not offered.*allowInsecure: true/),
    ]);
  });

  it('refuses an unknown policy and an EURange whose low is not below its high', () => {
    expect(schema.safeParse({ securityPolicies: ['Basic128Rsa15'] }).success).toBe(false);
    expect(schema.safeParse({ euRanges: { 'hp1/cop': { low: 5, high: 1 } } }).success).toBe(false);
    expect(schema.parse({ euRanges: { 'hp1/cop': { low: 0, high: 8 } } }).euRanges).toEqual({
      'hp1/cop': { low: 0, high: 8 },
    });
  });
});

describe('the server start', () => {
  it('names a taken port and the option that moves it', () => {
    // node-opcua's error when the port is taken (checked against a real listener while writing
    // this: "listen EADDRINUSE: address already in use 127.0.0.1:48458").
    const taken = new Error('listen EADDRINUSE: address already in use 127.0.0.1:4841');
    const err = listenError(taken, { host: '127.0.0.1', port: 4841 }) as Error;
    expect(err.message).toBe(
      '127.0.0.1:4841 is in use by another program: move the server with northbound.opcua.port',
    );
    expect(err.cause).toBe(taken);
    const other = new Error('disk full');
    expect(listenError(other, { host: '127.0.0.1', port: 4841 })).toBe(other);
  });
});
