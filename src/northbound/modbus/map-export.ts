import type { NorthboundWordOrder } from '../../config/northbound-modbus';
import { AGE_NONE, LAYOUT_VERSION, SLOT, type RegisterMap } from './register-map';

/**
 * The register map as rows for people and for SCADA engineering tools: `heatbridge northbound
 * modbus-map` prints them as a table or as CSV (docs/northbound-modbus.md).
 */

export interface MapRow {
  table: 'input' | 'discrete' | 'holding';
  /** 0-based protocol address (mbpoll `-0`; a 1-based tool shows it one higher). */
  address: number;
  /** Registers (or bits) the value takes. */
  count: number;
  type: 'float32' | 'uint16' | 'uint32' | 'bool';
  /** The point id, or the header's name. */
  point: string;
  unit: string;
  description: string;
  access: 'r' | 'rw';
  /** value = raw × scale (always 1: floats carry engineering units). */
  scale: number;
}

export const MAP_COLUMNS = [
  'table',
  'address',
  'count',
  'type',
  'point',
  'unit',
  'description',
  'access',
  'scale',
] as const;

const QUALITY_TEXT = 'quality: 0 good, 1 uncertain, 2 stale, 3 bad, 4 no value';

export function mapRows(map: RegisterMap, wordOrder: NorthboundWordOrder): MapRow[] {
  const row = (r: Omit<MapRow, 'scale' | 'unit'> & { unit?: string }): MapRow => ({
    unit: '',
    ...r,
    scale: 1,
  });
  const rows: MapRow[] = [
    row({
      table: 'input',
      address: 0,
      count: 1,
      type: 'uint16',
      point: 'header/layout_version',
      description: `register map layout version (${LAYOUT_VERSION})`,
      access: 'r',
    }),
    row({
      table: 'input',
      address: 1,
      count: 1,
      type: 'uint16',
      point: 'header/mapped_points',
      unit: 'count',
      description: 'points mapped in the input registers',
      access: 'r',
    }),
    row({
      table: 'input',
      address: 2,
      count: 2,
      type: 'uint32',
      point: 'header/uptime',
      unit: 's',
      description: `seconds since the Modbus server started (words ${wordOrder})`,
      access: 'r',
    }),
  ];
  for (const p of map.points) {
    const { id, unit, description } = p.def;
    const what = description ?? id;
    rows.push(
      row({
        table: 'input',
        address: p.address,
        count: 2,
        type: 'float32',
        point: id,
        unit,
        description: `${what}${p.bool ? ' (0.0 or 1.0)' : ''}`,
        access: 'r',
      }),
      row({
        table: 'input',
        address: p.address + 2,
        count: 1,
        type: 'uint16',
        point: `${id}#quality`,
        description: QUALITY_TEXT,
        access: 'r',
      }),
      row({
        table: 'input',
        address: p.address + 3,
        count: 1,
        type: 'uint16',
        point: `${id}#age`,
        unit: 's',
        description: `seconds since the value arrived (${AGE_NONE}: none, or older)`,
        access: 'r',
      }),
    );
    if (p.bool)
      rows.push(
        row({
          table: 'discrete',
          address: p.address,
          count: 1,
          type: 'bool',
          point: id,
          unit,
          description: what,
          access: 'r',
        }),
      );
  }
  for (const r of map.requests) {
    const { id, unit, description, bounds } = r.def;
    const range = bounds ? ` (clamped into ${bounds.min}..${bounds.max})` : '';
    rows.push(
      r.type === 'bool'
        ? row({
            table: 'holding',
            address: r.address,
            count: 1,
            type: 'uint16',
            point: id,
            unit,
            description: `SCADA request: ${(description ?? id).replace(' (bad: none in force)', '')}; write 0 or 1 (FC 6 or 16)`,
            access: 'rw',
          })
        : row({
            table: 'holding',
            address: r.address,
            count: 2,
            type: 'float32',
            point: id,
            unit,
            description: `SCADA request: ${(description ?? id).replace(' (bad: none in force)', '')}${range}; write both registers with FC 16 (words ${wordOrder})`,
            access: 'rw',
          }),
      row({
        table: 'holding',
        address: r.address + 2,
        count: 1,
        type: 'uint16',
        point: `${id}#active`,
        description: '1 while the request is in force, else 0',
        access: 'r',
      }),
      row({
        table: 'holding',
        address: r.address + SLOT - 1,
        count: 1,
        type: 'uint16',
        point: `${id}#lapses_in`,
        unit: 's',
        description: 'seconds until the request lapses unless written again (0: not in force)',
        access: 'r',
      }),
    );
  }
  const order = { input: 0, discrete: 1, holding: 2 } as const;
  return rows.sort((a, b) => order[a.table] - order[b.table] || a.address - b.address);
}

const csvField = (v: string | number): string => {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

/** RFC 4180 CSV with a header line. */
export function formatCsv(rows: readonly MapRow[]): string {
  const lines = [MAP_COLUMNS.join(',')];
  for (const r of rows) lines.push(MAP_COLUMNS.map((c) => csvField(r[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** An aligned text table (without the description and scale, to fit a terminal). */
export function formatTable(rows: readonly MapRow[]): string {
  const cols = ['table', 'address', 'count', 'type', 'access', 'unit', 'point'] as const;
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells: string[]): string =>
    cells.map((s, i) => (i === cells.length - 1 ? s : s.padEnd(widths[i]!))).join('  ');
  return [line([...cols]), ...rows.map((r) => line(cols.map((c) => String(r[c]))))].join('\n');
}
