import { writeFile } from 'node:fs/promises';
import { createLogger } from '../log';
import { energyReport } from '../reporting/energy-report';
import { formatReport, REPORT_FORMATS, type ReportFormat } from '../reporting/format';
import { historyFromBackend, reportBackend } from '../reporting/source';
import { parseReportTime } from '../reporting/time';
import { loadOrReport, type Io } from './commands';

export interface ReportFlags {
  config: string;
  from: string;
  to: string;
  format: string;
  out?: string;
}

/** `heatbridge report`: the energy-reuse report for a period, from the site's historian. */
export async function reportCommand(flags: ReportFlags, io: Io): Promise<number> {
  if (!(REPORT_FORMATS as readonly string[]).includes(flags.format)) {
    io.err(`--format: expected one of ${REPORT_FORMATS.join(', ')}, got "${flags.format}"`);
    return 2;
  }
  const site = await loadOrReport(flags.config, io);
  if (!site) return 1;
  const from = parseReportTime(flags.from, site.site.timezone);
  const to = parseReportTime(flags.to, site.site.timezone);
  if (from === undefined || to === undefined || !(from < to)) {
    io.err(
      '--from and --to: expected dates (YYYY-MM-DD, local midnight) or ISO times, from before to',
    );
    return 2;
  }
  const log = createLogger({ level: 'warn', pretty: false });
  const backend = reportBackend(site, log);
  try {
    const report = await energyReport(site, historyFromBackend(site, backend), from, to, {
      progress: (done, days) => {
        const line = `report: ${done}/${days} days read`;
        if (io.progress) io.progress(line, done === days);
        else if (done === days || done % 30 === 0) io.err(line);
      },
    });
    const text = formatReport(report, flags.format as ReportFormat);
    if (flags.out) {
      await writeFile(flags.out, text);
      io.err(`report written to ${flags.out}`);
    } else io.out(text.trimEnd());
    return 0;
  } catch (err) {
    io.err(`report failed: ${(err as Error).message}`);
    return 1;
  } finally {
    await backend.close();
  }
}
