/** Reading quotations straight from the F&O emulator's engine: unaffected by injected faults, exact to the column. */
import type { Emulators } from '../../../emulators';
import { MODIFIED_FIELD } from '../../../emulators/fno/entities';
import type { SourceRow } from '../../../common/types';
import { roundAmount } from '../../../mappings';
import { taskWorkflowId } from '../../../workflows/ids';

export const QUOTE_HEADERS = 'CDSSalesQuotationHeaders';
const QUOTE_LINE_TABLE = 'SalesQuotationLine';
const QUOTE_LINES = 'CDSSalesQuotationLines';

export interface Quotation {
  header: SourceRow | null;
  lines: SourceRow[];
}

/** Drops what every write changes (row version, change stamp), so two states compare by content. */
function content(row: SourceRow): SourceRow {
  const { '@odata.etag': _etag, [MODIFIED_FIELD]: _modified, ...rest } = row;
  return rest;
}

/** Raw rows of a quotation, header first; empty when F&O has no such header. */
function quotationRows(emulators: Emulators, dataAreaId: string, quoteNumber: string): SourceRow[] {
  const engine = emulators.fno.engine;
  const headers = engine.entity(QUOTE_HEADERS);
  const stored = engine.findByKey(headers, { dataAreaId, SalesQuotationNumber: quoteNumber });
  if (!stored) return [];
  const lineEntity = engine.entity(QUOTE_LINES);
  const lines = engine.childrenOf(engine.tables.get(QUOTE_LINE_TABLE)!, stored);
  return [engine.project(headers, stored), ...lines.map((row) => engine.project(lineEntity, row))];
}

/** Row versions of a quotation's header and lines: the same after a run only if the run wrote none of them. */
export function rowVersions(emulators: Emulators, dataAreaId: string, quoteNumber: string): string[] {
  return quotationRows(emulators, dataAreaId, quoteNumber).map((row) => `${row['@odata.etag']} ${row[MODIFIED_FIELD]}`);
}

export function quotation(emulators: Emulators, dataAreaId: string, quoteNumber: string): Quotation {
  const [header, ...lines] = quotationRows(emulators, dataAreaId, quoteNumber);
  if (header) return { header: content(header), lines: lines.map(content) };
  // Lines without a header would be the half-written state this suite exists to rule out; look for them too.
  const engine = emulators.fno.engine;
  const lineEntity = engine.entity(QUOTE_LINES);
  const orphans = [...engine.scan(lineEntity, new Set([dataAreaId]))].filter(
    (row) => row.SalesQuotationNumber === quoteNumber,
  );
  return { header: null, lines: orphans.map((row) => content(engine.project(lineEntity, row))) };
}

/** Whole cents of an amount in decimal arithmetic (13.19 × 69.5 is 916.705, rounded half away from zero). */
export const cents = (amount: unknown): number => Math.round(roundAmount(roundAmount(Number(amount), 9), 2) * 100);

/** Workflow id of one document's saga in a project run with one partition. */
export function sagaWorkflowId(
  project: string,
  runWorkflowId: string,
  headerTask: string,
  documentKey: string,
): string {
  return `${taskWorkflowId(project, headerTask, runWorkflowId.split('/').pop()!)}/${documentKey}`;
}

export { activitiesOf, activityAttempts } from '../../support/history';
