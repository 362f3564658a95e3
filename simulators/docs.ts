import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { wordCount } from '../src/adapters/modbus/codec';
import { projectRoot } from '../src/util/project-root';
import { commandPoints } from './commands';
import { DISTRICT_MAP, HEAT_PUMP_MAP, PLANT_MAP, type RegisterPoint } from './modbus/register-map';
import { HALL_VARIABLES, hallBrowsePath, hallNodeId } from './opcua/hall-variables';

const START = '<!-- generated: simulator registers (npm run docs) -->';
const END = '<!-- end of generated section -->';

const TABLE_NAMES: Record<RegisterPoint['table'], string> = {
  coil: 'coil (FC 1, 5, 15)',
  discrete: 'discrete input (FC 2)',
  input: 'input register (FC 4)',
  holding: 'holding register (FC 3, 6, 16)',
};

function registerTable(map: readonly RegisterPoint[], equipment: string): string {
  const ranges = commandPoints(2);
  const rows = map.map((p) => {
    const range = ranges[`${equipment}/${p.name}`]?.range;
    const n = wordCount(p);
    const words = n > 1 ? `${p.register}–${p.register + n - 1}` : `${p.register}`;
    const type = n > 1 ? `${p.type} ${p.order ?? 'ABCD'}` : p.type;
    const access = `${p.access}${range ? ` (${range[0]}–${range[1]})` : ''}`;
    return `| ${TABLE_NAMES[p.table]} | ${words} | \`${p.name}\` | ${type} | ${p.scale ?? 1} | ${p.unit} | ${access} | ${p.description} |`;
  });
  return [
    '| table | register | point | type | scale | unit | access | meaning |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/** The generated reference: every Modbus register and OPC UA variable of the simulators. */
export function simulatorReference(): string {
  const opcua = HALL_VARIABLES.map(
    (v) =>
      `| \`${hallNodeId(v)}\` | \`${hallBrowsePath(v)}\` | ${v.dataType} | ${v.access} | ${v.unit} | ${v.dataType === 'Boolean' ? '' : `${v.range[0]} – ${v.range[1]}`} | ${v.minimumSamplingIntervalMs} ms | ${v.description} |`,
  );
  return [
    START,
    '',
    '### Data hall (OPC UA)',
    '',
    'AnalogItems with EngineeringUnits and EURange properties (read-only for every client); the',
    'two-state variable is a plain Boolean. Access is what any client may do with the value.',
    '',
    '| NodeId | browse path | data type | access | unit | EURange | min. sampling | meaning |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...opcua,
    '',
    '### Heat-recovery PLC: plant (Modbus unit 1)',
    '',
    registerTable(PLANT_MAP, 'plant'),
    '',
    '### Heat-recovery PLC: heat pumps (Modbus units 2 and 3, same map)',
    '',
    registerTable(HEAT_PUMP_MAP, 'hp1'),
    '',
    '### District-heating substation: heat meter and utility interface (Modbus unit 1)',
    '',
    registerTable(DISTRICT_MAP, 'dh'),
    '',
    END,
  ].join('\n');
}

export const SIMULATOR_DOC = (): string => join(projectRoot(), 'docs', 'simulators.md');

/** docs/simulators.md with its generated section replaced by the current reference. */
export function renderSimulatorDoc(current: string): string {
  const start = current.indexOf(START);
  const end = current.indexOf(END);
  if (start < 0 || end < 0)
    throw new Error(`docs/simulators.md lacks the markers ${START} … ${END}`);
  return current.slice(0, start) + simulatorReference() + current.slice(end + END.length);
}

export function writeSimulatorDoc(): void {
  const file = SIMULATOR_DOC();
  writeFileSync(file, renderSimulatorDoc(readFileSync(file, 'utf8')));
}
