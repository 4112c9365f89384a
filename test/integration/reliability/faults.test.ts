/**
 * Network and service faults injected by the emulators during full master-data runs: random 503s, 429 storms
 * with Retry-After, latency spikes, dropped connections, tokens expiring mid-run and malformed answers. Each run
 * must complete with the target equal to what an undisturbed run lands, and no request may arrive before the
 * Retry-After of the 429 before it has passed.
 */
import type { FaultRules, FaultStats } from '../../../emulators/common/faults';
import { loadProject } from '../../../mappings/project-file';
import { EXAMPLE_PROJECT, startE2E, type E2E } from '../../support/e2e';
import { applyInTurn, ONE_SHOT_SPACING_REQUESTS } from './fault-sequence';
import { byMode, recordScenario, writeReport } from './results';
import { checkTarget, MASTER_DATA_TASKS } from './verify';

jest.setTimeout(byMode(240_000, 1_200_000));

interface FaultScenario {
  id: string;
  scenario: string;
  injected: string;
  rules: FaultRules;
  /** One-shot rules applied in turn, each once the one before is used up and the run has moved on. */
  then?: FaultRules[];
}

/**
 * The CI form reads small pages so its small seed still makes enough requests for rate-based faults to hit, and
 * its rates are higher for the same reason; the full form runs the project's own page size and milder rates.
 */
const PAGE_SIZE = byMode(20, undefined);
const ERROR_RATE = byMode(0.25, 0.2);
const DROP_RATE = byMode(0.15, 0.05);
const STORM = { count: byMode(3, 30), retryAfterSeconds: byMode(1, 2) };
const LATENCY = { latencyMs: byMode(10, 20), latencyJitterMs: byMode(60, 400) };
/** Broken answers per kind; the connector-level check of every kind is in bad-input.test.ts. */
const MALFORMED_EACH = byMode(1, 2);

const SCENARIOS: FaultScenario[] = [
  {
    id: 'faults-503',
    scenario: `${ERROR_RATE * 100}% of requests answered 503`,
    injected: `errorRate ${ERROR_RATE}, errorStatus 503 on both services`,
    rules: { errorRate: ERROR_RATE, errorStatus: 503 },
  },
  {
    id: 'faults-429-storm',
    scenario: '429 storm with Retry-After',
    injected: `throttleNext ${STORM.count} × Retry-After ${STORM.retryAfterSeconds} s on both services`,
    rules: { throttleNext: STORM },
  },
  {
    id: 'faults-latency',
    scenario: 'latency spikes',
    injected: `latency ${LATENCY.latencyMs} ms + up to ${LATENCY.latencyJitterMs} ms jitter on every request`,
    rules: LATENCY,
  },
  {
    id: 'faults-drops',
    scenario: 'dropped connections',
    injected: `dropRate ${DROP_RATE} (socket destroyed before an answer)`,
    rules: { dropRate: DROP_RATE },
  },
  {
    id: 'faults-expired-tokens',
    scenario: 'tokens expire mid-run',
    injected: `3 times on both services, ${ONE_SHOT_SPACING_REQUESTS} requests apart: the next valid token refused as expired`,
    rules: { expireNextTokens: { count: 1 } },
    then: [{ expireNextTokens: { count: 1 } }, { expireNextTokens: { count: 1 } }],
  },
  {
    id: 'faults-malformed',
    scenario: 'malformed answers mid-run',
    injected: `malformedNext ${MALFORMED_EACH} × HTML page, ${MALFORMED_EACH} × truncated JSON, ${MALFORMED_EACH} × empty body on both services`,
    rules: { malformedNext: { count: MALFORMED_EACH, kind: 'html' } },
    then: [
      { malformedNext: { count: MALFORMED_EACH, kind: 'truncated-json' } },
      { malformedNext: { count: MALFORMED_EACH, kind: 'empty' } },
    ],
  },
];

const EXTRA_ROUNDS = 2;

function retriesOf(stats: FaultStats): number {
  return stats.dropped + stats.throttled + stats.serverErrors + stats.malformed + stats.expiredTokens;
}

describe('runs under injected network and service faults', () => {
  let e2e: E2E;
  const seedAccounts = byMode(80, 2000);
  beforeAll(async () => {
    const project = loadProject(EXAMPLE_PROJECT);
    e2e = await startE2E(
      { seed: { accounts: seedAccounts, contacts: seedAccounts, products: byMode(20, 300), quotes: 0, orders: 0 } },
      PAGE_SIZE ? { ...project, engine: { ...project.engine, pageSize: PAGE_SIZE } } : project,
    );
  });
  afterAll(async () => {
    await e2e?.close();
    writeReport();
  });

  const rounds = byMode(1, 3);
  test.each(SCENARIOS)('$scenario: the run completes and the target equals the undisturbed result', async (s) => {
    const { dataverse, fno } = e2e.stack.emulators;
    let faultResponses = 0;
    let delayed = 0;
    let earlyRetries = 0;
    let requests = 0;
    const waits: Array<{ askedMs: number; waitedMs: number }> = [];
    let round = 0;
    // Random faults (rates) may by chance hit none of a small run's requests; such a run tested nothing, so the
    // scenario runs again, a bounded number of times, until something was injected.
    for (; round < rounds || (faultResponses + delayed === 0 && round < rounds + EXTRA_ROUNDS); round++) {
      for (const emulator of [dataverse, fno]) {
        emulator.faults.reset();
        emulator.faults.configure(structuredClone(s.rules));
      }
      dataverse.throttle.reset();
      const requestsBefore = dataverse.stats().requests + fno.stats().requests;
      const stopSequence = s.then ? applyInTurn(e2e.stack.emulators, s.then) : undefined;
      const { summary } = await e2e.run({ tasks: MASTER_DATA_TASKS, mode: 'full' });
      stopSequence?.();
      for (const t of summary.tasks)
        expect({ task: t.task, outcome: t.outcome }).toEqual({
          task: t.task,
          outcome: expect.stringMatching(/^Completed/),
        });
      faultResponses += retriesOf(dataverse.faults.stats()) + retriesOf(fno.faults.stats());
      requests += dataverse.stats().requests + fno.stats().requests - requestsBefore;
      delayed += dataverse.faults.stats().delayed + fno.faults.stats().delayed;
      earlyRetries += dataverse.stats().earlyRetries + fno.stats().throttling.user.earlyRetries;
      for (const record of dataverse.throttle.records()) {
        if (record.limit !== 'injected' || record.nextRequestAt === undefined) continue;
        waits.push({ askedMs: record.retryAfterSeconds * 1000, waitedMs: record.nextRequestAt - record.at });
      }
      for (const emulator of [dataverse, fno]) emulator.faults.reset();
    }

    const check = await checkTarget(e2e.stack.clients, e2e.project);
    const details = [
      `${requests} requests`,
      `${faultResponses} faulty answers retried`,
      `early retries after a 429: ${earlyRetries}`,
    ];
    if (delayed > 0) details.unshift(`${delayed} requests delayed`);
    if (waits.length > 0) {
      const asked = waits.reduce((sum, w) => sum + w.askedMs, 0);
      const waited = waits.reduce((sum, w) => sum + w.waitedMs, 0);
      const slack = Math.min(...waits.map((w) => w.waitedMs - w.askedMs));
      details.push(`Dataverse 429s: ${waits.length}, Retry-After asked ${asked} ms in total, waited ${waited} ms`);
      details.push(`shortest wait minus Retry-After: ${slack} ms`);
    }
    recordScenario({
      id: s.id,
      group: 'faults',
      scenario: s.scenario,
      runs: round,
      injected: s.injected,
      outcome: check.lost === 0 && check.duplicated === 0 ? 'completed, target equals undisturbed run' : 'DIFFERENCES',
      rows: { expected: check.expected, landed: check.landed, duplicated: check.duplicated, lost: check.lost },
      details,
    });

    expect(faultResponses + delayed).toBeGreaterThan(0);
    expect(earlyRetries).toBe(0);
    if (s.id === 'faults-429-storm') {
      expect(waits.length).toBeGreaterThan(0);
      for (const w of waits) expect(w.waitedMs + 25).toBeGreaterThanOrEqual(w.askedMs);
    }
    expect(check.problems).toEqual([]);
    expect({ lost: check.lost, duplicated: check.duplicated }).toEqual({ lost: 0, duplicated: 0 });
    expect(check.expected).toBeGreaterThan(seedAccounts);
  });
});
