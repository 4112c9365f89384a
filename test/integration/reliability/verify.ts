/** Target-state accounting shared by the reliability scenarios: expected rows vs what landed, lost and duplicated. */
import { resolveTasks, type Project } from '../../../mappings';
import type { Emulators } from '../../../emulators';
import type { SourceRow, TargetRow } from '../../../common/types';
import type { Clients } from '../../../worker/connections';
import type { RowCounts } from '../../../scripts/reliability-report';
import { differences, expectedRows } from '../../support/expectations';
import { quotation } from '../documents/support';

/** The master-data tasks every scenario runs: both directions, lookups between them, customers from two sources. */
export const MASTER_DATA_TASKS = ['products', 'accounts', 'contactsToCustomers', 'contactPersons'];
const CUSTOMER_TASKS = new Set(['accounts', 'contactsToCustomers']);

export interface TargetCheck extends RowCounts {
  /** Field-level differences, for the assertion message. */
  problems: string[];
}

async function customerKeys(clients: Clients): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of clients.fno.readPages('CustomersV2', {
    select: ['dataAreaId', 'CustomerAccount'],
    pageSize: 5000,
    crossCompany: true,
  })) {
    keys.push(...page.rows.map((r) => `${String(r.dataAreaId)}/${String(r.CustomerAccount)}`));
  }
  return keys;
}

/**
 * Compares the target with what the template makes of the source as it is now. Lost = expected rows missing or
 * differing in any field; duplicated = customers beyond the expected ones.
 */
export async function checkTarget(clients: Clients, project: Project, tasks = MASTER_DATA_TASKS): Promise<TargetCheck> {
  const definitions = new Map(resolveTasks(project).map((t) => [t.name, t]));
  let expected = 0;
  let expectedCustomers = 0;
  const problems: string[] = [];
  let lost = 0;
  for (const partition of project.partitions) {
    for (const name of tasks) {
      const definition = definitions.get(name);
      if (!definition) throw new Error(`task ${name} is not in project ${project.name}`);
      const rows = await expectedRows(clients, definition, partition);
      expected += rows.length;
      if (CUSTOMER_TASKS.has(name)) expectedCustomers += rows.length;
      // Row by row, so a row with several differing fields counts as one lost row.
      for (const row of rows) {
        const rowProblems = await differences(clients, [row]);
        if (rowProblems.length > 0) lost += 1;
        problems.push(...rowProblems);
      }
    }
  }
  // Every expected customer key is distinct, so any customer beyond their number is a duplicate or a stray.
  const duplicated = Math.max(0, (await customerKeys(clients)).length - expectedCustomers);
  return { expected, landed: expected - lost, lost, duplicated, problems };
}

/** The quote tasks: each active quote is one quoteSync saga (header, then lines, compensated on failure). */
export const QUOTE_TASKS = ['quoteHeaders', 'quoteLines'];

export interface QuoteCheck extends TargetCheck {
  /** Quotes that must land: header and every line equal to what the template makes of the Sales quote. */
  complete: number;
  /** Planted bad quotes, which must leave nothing in F&O (never written, or written and fully compensated). */
  absent: number;
  /** Quotes with a header but not every line, or lines without a header: what the saga exists to rule out. */
  halfWritten: string[];
}

function quotationRows(emulators: Emulators, entitySet: string): SourceRow[] {
  const engine = emulators.fno.engine;
  const entity = engine.entity(entitySet);
  return [...engine.scan(entity)].map((row) => engine.project(entity, row));
}

/** Quotation headers in F&O now, in every company. */
export function quotationCount(emulators: Emulators, project: Project): number {
  const headerSet = resolveTasks(project).find((t) => t.name === 'quoteHeaders')!.target.entitySet;
  return quotationRows(emulators, headerSet).length;
}

/**
 * Compares the F&O quotations with what an undisturbed run lands: every good quote complete field for field,
 * every planted bad quote absent, no quotation or line beyond those (duplicated). Rows = headers + lines.
 */
export async function checkQuotes(clients: Clients, emulators: Emulators, project: Project): Promise<QuoteCheck> {
  const definitions = new Map(resolveTasks(project).map((t) => [t.name, t]));
  const badQuotes = new Set(
    (emulators.manifest?.badRows ?? []).filter((b) => b.entitySet === 'quotes').map((b) => `${b.dataAreaId}/${b.key}`),
  );
  const result: QuoteCheck = {
    expected: 0,
    landed: 0,
    lost: 0,
    duplicated: 0,
    problems: [],
    complete: 0,
    absent: 0,
    halfWritten: [],
  };
  let expectedLineCount = 0;
  let expectedHeaderCount = 0;
  for (const partition of project.partitions) {
    const headers = await expectedRows(clients, definitions.get('quoteHeaders')!, partition);
    const lines = new Map<string, TargetRow[]>();
    for (const line of await expectedRows(clients, definitions.get('quoteLines')!, partition)) {
      const number = String(line.key.SalesQuotationNumber);
      lines.set(number, [...(lines.get(number) ?? []), line]);
    }
    const quoteNumbers = new Set([...headers.map((h) => h.sourceKey), ...lines.keys()]);
    for (const number of quoteNumbers) {
      const state = quotation(emulators, partition.dataAreaId, number);
      if (badQuotes.has(`${partition.dataAreaId}/${number}`)) {
        if (state.header === null && state.lines.length === 0) result.absent += 1;
        else
          result.problems.push(
            `bad quote ${number}: left ${state.header ? 'its header and ' : ''}${state.lines.length} line(s) in F&O`,
          );
        continue;
      }
      const header = headers.find((h) => h.sourceKey === number);
      const expectedLines = lines.get(number) ?? [];
      if (!header) {
        result.problems.push(`quote ${number}: lines expected but the header does not transform`);
        continue;
      }
      const rows = [header, ...expectedLines];
      result.expected += rows.length;
      expectedHeaderCount += 1;
      expectedLineCount += expectedLines.length;
      if (state.header !== null && state.lines.length < expectedLines.length) {
        result.halfWritten.push(`${number}: ${state.lines.length} of ${expectedLines.length} lines`);
      } else if (state.header === null && state.lines.length > 0) {
        result.halfWritten.push(`${number}: ${state.lines.length} lines without a header`);
      }
      let rowsLost = 0;
      for (const row of rows) {
        const rowProblems = await differences(clients, [row]);
        if (rowProblems.length > 0) rowsLost += 1;
        result.problems.push(...rowProblems);
      }
      result.lost += rowsLost;
      if (rowsLost === 0) result.complete += 1;
    }
  }
  result.landed = result.expected - result.lost;
  result.problems.push(...result.halfWritten.map((q) => `half-written quote ${q}`));
  // Quotation numbers and line keys are unique, so anything beyond the expected rows is a duplicate or a stray.
  result.duplicated =
    Math.max(
      0,
      quotationRows(emulators, definitions.get('quoteHeaders')!.target.entitySet).length - expectedHeaderCount,
    ) +
    Math.max(0, quotationRows(emulators, definitions.get('quoteLines')!.target.entitySet).length - expectedLineCount);
  return result;
}
