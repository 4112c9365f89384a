/**
 * Iterates the bad-input catalogue: project mistakes are refused at start-up with a message naming the field;
 * bad source rows go through one full master-data run, in which each bad row becomes its own specific failure,
 * awkward text lands unchanged and every other row lands; broken answers are served to the connectors on the
 * same emulators (reads and writes of both services), each failing retryably and succeeding on the retry that
 * Temporal would make. (Broken answers in the middle of whole runs are faults.test.ts's malformed scenario.)
 */
import fs from 'node:fs';
import YAML from 'yaml';
import { ProjectConfigError, loadProject } from '../../../mappings/project-file';
import type { RowFailure, TargetRow } from '../../../common/types';
import { ConnectorError } from '../../../connectors';
import type { FaultStats } from '../../../emulators/common/faults';
import { EXAMPLE_PROJECT, startE2E, type E2E } from '../../support/e2e';
import { BAD_INPUT_CATALOGUE, type BadInputKind } from './bad-input.catalogue';
import { byMode, recordScenario, writeReport } from './results';
import { checkTarget, MASTER_DATA_TASKS } from './verify';

jest.setTimeout(byMode(120_000, 900_000));

const byVia = (via: BadInputKind['input']['via']) => BAD_INPUT_CATALOGUE.filter((k) => k.input.via === via);

function record(kind: BadInputKind, outcome: string, passed: boolean): void {
  recordScenario({
    id: `bad-input-${kind.id}`,
    group: 'bad-input',
    scenario: kind.description,
    runs: 1,
    injected: kind.input.via,
    outcome: passed ? outcome : `UNEXPECTED: ${outcome}`,
  });
}

test('the catalogue lists at least 25 kinds, each with one expected outcome', () => {
  expect(BAD_INPUT_CATALOGUE.length).toBeGreaterThanOrEqual(25);
  expect(new Set(BAD_INPUT_CATALOGUE.map((k) => k.id)).size).toBe(BAD_INPUT_CATALOGUE.length);
});

describe('invalid project configuration is refused at start-up', () => {
  test.each(byVia('project'))('$id: $description', (kind) => {
    if (kind.input.via !== 'project' || kind.expected.kind !== 'startup-error')
      throw new Error(`${kind.id}: not a project entry`);
    const project = YAML.parse(fs.readFileSync(EXAMPLE_PROJECT, 'utf8')) as Record<string, unknown>;
    kind.input.patch(project);
    let error: unknown;
    try {
      loadProject(project);
    } catch (caught) {
      error = caught;
    }
    const message = error instanceof Error ? error.message : 'accepted';
    const passed = error instanceof ProjectConfigError && kind.expected.message.test(message);
    record(kind, `start-up error: ${message.replace(/^invalid project configuration:\s*/, '')}`, passed);
    expect(error).toBeInstanceOf(ProjectConfigError);
    expect(message).toMatch(kind.expected.message);
  });
});

describe('bad rows in one run, broken answers at the connectors', () => {
  let e2e: E2E;
  let failures: RowFailure[] = [];
  beforeAll(async () => {
    // Every seeded bad-row kind is planted at least once whatever the population, so the CI form stays small.
    e2e = await startE2E({
      seed: {
        accounts: byMode(40, 2000),
        contacts: byMode(40, 2000),
        products: byMode(12, 300),
        quotes: 0,
        orders: 0,
      },
    });
    for (const kind of byVia('source-row')) {
      if (kind.input.via !== 'source-row') continue;
      const outcomes = await e2e.stack.clients.dataverse.upsertBatch(kind.input.rows, { continueOnError: false });
      const refused = outcomes.filter((o) => o.status === 'failed');
      if (refused.length > 0)
        throw new Error(`${kind.id}: the source refused the planted row: ${refused.map((o) => o.message).join('; ')}`);
      if (kind.input.storeFields) {
        const accounts = e2e.stack.emulators.dataverse.store.table('accounts');
        for (const row of kind.input.rows) {
          const stored = accounts.findByUnique({ accountnumber: row.key.accountnumber })!;
          accounts.replace(stored.accountid, { ...stored, ...kind.input.storeFields });
        }
      }
    }
    const { workflowId } = await e2e.run({ tasks: MASTER_DATA_TASKS, mode: 'full' });
    failures = await e2e.stack.store.listFailures(workflowId);
  });
  afterAll(async () => {
    await e2e?.close();
    writeReport();
  });

  test.each(byVia('seeded'))('$id: $description', (kind) => {
    if (kind.input.via !== 'seeded' || kind.expected.kind !== 'row-failure')
      throw new Error(`${kind.id}: not a seeded row-failure entry`);
    const { seedKind } = kind.input;
    const { task, code } = kind.expected;
    const planted = e2e.stack.emulators.manifest!.badRows.filter((b) => b.kind === seedKind);
    expect(planted.length).toBeGreaterThan(0);
    const found = planted.map((bad) =>
      failures.find((f) => f.task === task && (f.sourceKey === bad.key || f.message.includes(bad.key))),
    );
    const codes = found.map((f) => f?.code ?? 'not reported');
    record(
      kind,
      `row failure ${codes[0]}: ${found[0]?.message ?? ''}`,
      codes.every((c) => c === code),
    );
    expect(codes).toEqual(planted.map(() => code));
  });

  test.each(byVia('source-row'))('$id: $description', async (kind) => {
    if (kind.input.via !== 'source-row') throw new Error(`${kind.id}: not a source-row entry`);
    const keys = [...new Set(kind.input.rows.map((r) => String(r.key.accountnumber)))];
    if (kind.expected.kind === 'row-failure') {
      const { task, code } = kind.expected;
      const failure = failures.find((f) => f.task === task && keys.includes(f.sourceKey));
      record(kind, `row failure ${failure?.code ?? 'not reported'}: ${failure?.message ?? ''}`, failure?.code === code);
      expect({ code: failure?.code, field: failure?.field !== undefined }).toEqual({ code, field: true });
      return;
    }
    if (kind.expected.kind !== 'lands') throw new Error(`${kind.id}: unexpected outcome kind`);
    const { entitySet, field, value } = kind.expected;
    const landed = await Promise.all(
      keys.map((CustomerAccount) => e2e.stack.clients.fno.getByKey(entitySet, { dataAreaId: 'usmf', CustomerAccount })),
    );
    const exact = landed.some((row) => row?.[field] === value);
    const reported = failures.filter((f) => keys.includes(f.sourceKey));
    const failureText = reported.length
      ? `failures: ${reported.map((f) => `${f.code} ${f.message}`).join('; ')}`
      : 'no failure';
    const preview =
      typeof value === 'string' && value.length > 40 ? `${value.length} characters` : JSON.stringify(value);
    const present = landed.filter(Boolean).length;
    const state = exact ? 'unchanged' : 'NOT as in the source';
    record(
      kind,
      `${present} of ${keys.length} row(s) in F&O, ${field} ${state} (${preview}); ${failureText}`,
      exact && present === keys.length && reported.length === 0,
    );
    expect(landed.map((row) => row !== null)).toEqual(keys.map(() => true));
    expect(exact).toBe(true);
    expect(reported).toEqual([]);
  });

  test('nothing else is lost or duplicated', async () => {
    const check = await checkTarget(e2e.stack.clients, e2e.project);
    recordScenario({
      id: 'bad-input-zz-run',
      group: 'bad-input',
      scenario: 'the run carrying every row kind above',
      runs: 1,
      injected: `${byVia('seeded').length + byVia('source-row').length} row kinds`,
      outcome: `completed; ${failures.length} row failures reported`,
      rows: { expected: check.expected, landed: check.landed, duplicated: check.duplicated, lost: check.lost },
    });
    expect(check.problems).toEqual([]);
    expect({ lost: check.lost, duplicated: check.duplicated }).toEqual({ lost: 0, duplicated: 0 });
  });

  /**
   * One broken-answer kind against the read and the write path of both services, on the emulators the run used
   * (after its check, so the extra rows written here cannot disturb it). A retryable error is what Temporal
   * retries, so an attempt that fails that way is attempted again; anything else fails the case.
   */
  test.each(byVia('response'))('$id: $description', async (kind) => {
    if (kind.input.via !== 'response' || kind.expected.kind !== 'retried')
      throw new Error(`${kind.id}: not a retried response entry`);
    const { clients, emulators } = e2e.stack;
    const rules = kind.input.rules;
    const tag = kind.id.toUpperCase();
    const customer = { dataAreaId: 'usmf', CustomerAccount: `RLB-${tag}`.slice(0, 20) };
    const customerRow: TargetRow = {
      sourceKey: customer.CustomerAccount,
      entitySet: 'CustomersV2',
      key: customer,
      fields: { ...customer, OrganizationName: `Broken answer ${kind.id}`, CustomerGroupId: '10' },
    };
    const accountRow: TargetRow = {
      sourceKey: customer.CustomerAccount,
      entitySet: 'accounts',
      key: { accountnumber: customer.CustomerAccount },
      fields: { name: `Broken answer ${kind.id}` },
    };
    const paths = [
      {
        name: 'Dataverse read',
        writes: false,
        emulator: emulators.dataverse,
        attempt: () => allRows(clients.dataverse.readPages('accounts', { select: ['accountnumber'], pageSize: 20 })),
      },
      {
        name: 'Dataverse write',
        writes: true,
        emulator: emulators.dataverse,
        attempt: async () => {
          const [outcome] = await clients.dataverse.upsertBatch([accountRow], { continueOnError: true });
          if (outcome.status === 'failed') throw new Error(`row failed: ${outcome.message}`);
          return (await clients.dataverse.getByKey('accounts', accountRow.key))?.name;
        },
      },
      {
        name: 'F&O read',
        writes: false,
        emulator: emulators.fno,
        attempt: () =>
          allRows(
            clients.fno.readPages('CustomersV2', { select: ['CustomerAccount'], pageSize: 20, crossCompany: true }),
          ),
      },
      {
        name: 'F&O write',
        writes: true,
        emulator: emulators.fno,
        attempt: async () => {
          const [outcome] = await clients.fno.upsertBatch([customerRow], { continueOnError: true });
          if (outcome.status === 'failed') throw new Error(`row failed: ${outcome.message}`);
          return (await clients.fno.getByKey('CustomersV2', customer))?.OrganizationName;
        },
      },
    ];
    const report: string[] = [];
    const mismatches: string[] = [];
    // Write failures are injected into writes only; broken answers into every request.
    for (const path of paths.filter((p) => p.writes || !rules.failNextWrites)) {
      // What the same call answers undisturbed (a write is repeated: upserts by key are idempotent).
      const undisturbed = await path.attempt();
      const before = faultCount(path.emulator.faults.stats(), rules);
      path.emulator.faults.configure(structuredClone(rules));
      const { value, retryableErrors, statuses } = await retryLikeTemporal(path.attempt);
      const fired = faultCount(path.emulator.faults.stats(), rules) - before;
      path.emulator.faults.reset();
      const same = JSON.stringify(value) === JSON.stringify(undisturbed);
      // A 502/503 may be retried inside the connector already; the caller then sees no error at all.
      const retried = retryableErrors
        ? `${retryableErrors} retryable error(s) (HTTP ${statuses.join(', ')}), each attempted again`
        : 'retried inside the connector';
      report.push(`${path.name}: ${fired} broken, ${retried}, ${same ? 'same result' : 'DIFFERENT result'}`);
      if (fired === 0 || !same) mismatches.push(path.name);
    }
    record(kind, `retried; ${report.join('; ')}`, mismatches.length === 0);
    expect(report.filter((line) => mismatches.some((name) => line.startsWith(name)))).toEqual([]);
  });
});

/** The fault counter a rule set moves: broken answers or failed writes. */
function faultCount(stats: FaultStats, rules: { malformedNext?: unknown }): number {
  return rules.malformedNext ? stats.malformed : stats.failedWrites;
}

const MAX_ATTEMPTS = 5;

/** Temporal's activity retry in miniature: retryable ConnectorErrors are attempted again, anything else throws. */
async function retryLikeTemporal<T>(
  attempt: () => Promise<T>,
): Promise<{ value: T; retryableErrors: number; statuses: number[] }> {
  const statuses: number[] = [];
  for (let tries = 1; ; tries++) {
    try {
      return { value: await attempt(), retryableErrors: statuses.length, statuses };
    } catch (error) {
      if (!(error instanceof ConnectorError) || !error.retryable || tries >= MAX_ATTEMPTS) throw error;
      statuses.push(error.status ?? 0);
    }
  }
}

async function allRows(pages: AsyncIterable<{ rows: Array<Record<string, unknown>> }>): Promise<string[]> {
  const rows: string[] = [];
  for await (const page of pages) rows.push(...page.rows.map((row) => JSON.stringify(row)));
  return rows.sort();
}
