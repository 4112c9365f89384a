/**
 * Iterates the bad-input catalogue: project mistakes are refused at start-up with a message naming the field;
 * bad source rows and broken answers go through one full master-data run, in which each bad row becomes its own
 * specific failure, awkward text lands unchanged, broken answers are retried, and every other row lands.
 */
import fs from 'node:fs';
import YAML from 'yaml';
import { ProjectConfigError, loadProject } from '../../../mappings/project-file';
import type { RowFailure } from '../../../common/types';
import { EXAMPLE_PROJECT, startE2E, type E2E } from '../../support/e2e';
import { BAD_INPUT_CATALOGUE, type BadInputKind } from './bad-input.catalogue';
import { applyInTurn } from './fault-sequence';
import { byMode, recordScenario, writeReport } from './results';
import { checkTarget, MASTER_DATA_TASKS } from './verify';

jest.setTimeout(byMode(180_000, 900_000));

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

describe('bad rows and broken answers in one run', () => {
  let e2e: E2E;
  let failures: RowFailure[] = [];
  const stats = { malformed: 0, failedWrites: 0 };
  beforeAll(async () => {
    e2e = await startE2E({
      seed: {
        accounts: byMode(300, 2000),
        contacts: byMode(300, 2000),
        products: byMode(40, 300),
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
    const rules = byVia('response').flatMap((k) => (k.input.via === 'response' ? [k.input.rules] : []));
    const stop = applyInTurn(e2e.stack.emulators, rules);
    const { workflowId } = await e2e.run({ tasks: MASTER_DATA_TASKS, mode: 'full' });
    stop();
    failures = await e2e.stack.store.listFailures(workflowId);
    const { dataverse, fno } = e2e.stack.emulators;
    for (const emulator of [dataverse, fno]) {
      stats.malformed += emulator.faults.stats().malformed;
      stats.failedWrites += emulator.faults.stats().failedWrites;
    }
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

  test.each(byVia('response'))('$id: $description', (kind) => {
    if (kind.input.via !== 'response') throw new Error(`${kind.id}: not a response entry`);
    const fired = kind.input.rules.malformedNext ? stats.malformed : stats.failedWrites;
    record(kind, `answered broken ${fired > 0 ? 'and retried' : 'NEVER'}; run completed`, fired > 0);
    expect(fired).toBeGreaterThan(0);
  });

  test('nothing else is lost or duplicated', async () => {
    const check = await checkTarget(e2e.stack.clients, e2e.project);
    recordScenario({
      id: 'bad-input-zz-run',
      group: 'bad-input',
      scenario: 'the run carrying every row and answer kind above',
      runs: 1,
      injected: `${byVia('seeded').length + byVia('source-row').length} row kinds, ${byVia('response').length} answer kinds`,
      outcome: `completed; ${failures.length} row failures reported`,
      rows: { expected: check.expected, landed: check.landed, duplicated: check.duplicated, lost: check.lost },
    });
    expect(check.problems).toEqual([]);
    expect({ lost: check.lost, duplicated: check.duplicated }).toEqual({ lost: 0, duplicated: 0 });
  });
});
