import {
  AccessLevelFlag,
  DataType,
  NodeClass,
  Variant,
  type EUInformation,
  type Namespace,
  type UAObject,
  type UAVariable,
  type UAVariableType,
} from 'node-opcua';
import type { Unit } from '../../domain/units';
import { euInformationOf } from './units';
import { dataTypeOfUnit } from './values';

const WRITE_BITS =
  AccessLevelFlag.CurrentWrite |
  AccessLevelFlag.StatusWrite |
  AccessLevelFlag.TimestampWrite |
  AccessLevelFlag.HistoryWrite;

/**
 * Takes every write right from a variable and from its properties and components (EURange,
 * EngineeringUnits, TrueState…). node-opcua makes a variable readable AND writable unless told
 * otherwise, properties included; HeatBridge's OPC UA server lets clients write nothing but the
 * SCADA requests, so every other variable goes through here.
 */
export function readOnly(variable: UAVariable): UAVariable {
  variable.accessLevel = variable.accessLevel & ~WRITE_BITS;
  variable.userAccessLevel = (variable.userAccessLevel ?? variable.accessLevel) & ~WRITE_BITS;
  for (const child of [...variable.getProperties(), ...variable.getComponents()])
    if (child.nodeClass === NodeClass.Variable) readOnly(child as UAVariable);
  return variable;
}

export interface NumericOptions {
  parent: UAObject;
  browseName: string;
  nodeId: string;
  description?: string;
  unit: Unit;
  /** EURange: AnalogItemType with it; without it, a BaseAnalogType (EURange is optional there). */
  range?: { low: number; high: number };
  minimumSamplingInterval: number;
  writable?: boolean;
}

/**
 * A numeric point as a DataAccess analog variable: AnalogItemType (EURange, EngineeringUnits)
 * when a range is known, BaseAnalogType (EngineeringUnits only) when not — HeatBridge never
 * invents a range.
 */
/** What every point variable is created with: where it sits, its names, its sampling. */
function placement(o: Omit<NumericOptions, 'range'>) {
  return {
    componentOf: o.parent,
    browseName: o.browseName,
    nodeId: o.nodeId,
    ...(o.description ? { description: o.description } : {}),
    minimumSamplingInterval: o.minimumSamplingInterval,
  };
}

export function addAnalog(ns: Namespace, o: NumericOptions): UAVariable {
  const engineeringUnits = euInformationOf(o.unit);
  const access = o.writable ? 'CurrentRead | CurrentWrite' : 'CurrentRead';
  const common = placement(o);
  let v: UAVariable;
  if (o.range) {
    v = ns.addAnalogDataItem({
      ...common,
      dataType: 'Double',
      accessLevel: access,
      userAccessLevel: access,
      engineeringUnitsRange: o.range,
      ...(engineeringUnits ? { engineeringUnits } : {}),
      value: new Variant({ dataType: DataType.Null }),
    });
  } else {
    const type = ns.addressSpace.findVariableType('BaseAnalogType') as UAVariableType;
    v = type.instantiate({
      ...common,
      dataType: 'Double',
      optionals: engineeringUnits ? ['EngineeringUnits'] : [],
    });
    if (engineeringUnits) setEngineeringUnits(v, engineeringUnits);
  }
  readOnly(v);
  if (o.writable) {
    v.accessLevel |= AccessLevelFlag.CurrentWrite;
    v.userAccessLevel = (v.userAccessLevel ?? 0) | AccessLevelFlag.CurrentWrite;
  }
  return v;
}

function setEngineeringUnits(v: UAVariable, eu: EUInformation): void {
  const property = v.getPropertyByName('EngineeringUnits');
  property?.setValueFromSource(new Variant({ dataType: DataType.ExtensionObject, value: eu }));
}

/** A boolean or text point: TwoStateDiscrete (true/false) for bool, a String variable for text. */
export function addPlain(ns: Namespace, o: Omit<NumericOptions, 'range'>): UAVariable {
  const access = o.writable ? 'CurrentRead | CurrentWrite' : 'CurrentRead';
  const common = { ...placement(o), accessLevel: access, userAccessLevel: access };
  const dataType = dataTypeOfUnit(o.unit);
  const v =
    dataType === DataType.Boolean
      ? ns.addTwoStateDiscrete({ ...common, trueState: 'true', falseState: 'false', value: false })
      : ns.addVariable({ ...common, dataType: 'String' });
  // A point without a sample yet has no value (not a made-up false).
  v.setValueFromSource(new Variant({ dataType: DataType.Null }));
  const writable = v.accessLevel & AccessLevelFlag.CurrentWrite;
  readOnly(v);
  if (writable) {
    v.accessLevel |= AccessLevelFlag.CurrentWrite;
    v.userAccessLevel = (v.userAccessLevel ?? 0) | AccessLevelFlag.CurrentWrite;
  }
  return v;
}

/** A read-only variable of a plain type (String, Boolean, DateTime, UInt32…). */
export function addInfo(
  ns: Namespace,
  o: {
    parent: UAObject | UAVariable;
    as?: 'component' | 'property';
    browseName: string;
    nodeId: string;
    dataType: 'String' | 'Boolean' | 'DateTime' | 'UInt32' | 'Double';
    description?: string;
    minimumSamplingInterval: number;
  },
): UAVariable {
  const v = ns.addVariable({
    ...(o.as === 'property' ? { propertyOf: o.parent } : { componentOf: o.parent }),
    browseName: o.browseName,
    nodeId: o.nodeId,
    dataType: o.dataType,
    ...(o.description ? { description: o.description } : {}),
    minimumSamplingInterval: o.minimumSamplingInterval,
    accessLevel: 'CurrentRead',
    userAccessLevel: 'CurrentRead',
  });
  v.setValueFromSource(new Variant({ dataType: DataType.Null }));
  return readOnly(v);
}

/** A plain value for an info variable (null: an empty Variant). */
export function infoVariant(
  dataType: 'String' | 'Boolean' | 'DateTime' | 'UInt32' | 'Double',
  value: string | boolean | number | Date | null | undefined,
): Variant {
  if (value === null || value === undefined) return new Variant({ dataType: DataType.Null });
  return new Variant({ dataType: DataType[dataType], value });
}

/** A folder (FolderType) organized by any object: node-opcua's addFolder wants a folder parent. */
export function addFolder(
  ns: Namespace,
  parent: UAObject,
  o: { browseName: string; nodeId: string; description?: string },
): UAObject {
  return ns.addObject({
    organizedBy: parent,
    typeDefinition: 'FolderType',
    browseName: o.browseName,
    nodeId: o.nodeId,
    ...(o.description ? { description: o.description } : {}),
  });
}
