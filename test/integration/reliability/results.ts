/**
 * What each reliability scenario records for docs/reliability.md. Every test writes its own JSON file under
 * results/ and the report is re-rendered from all files present, so running one suite refreshes only its rows.
 *
 * Only the full form (`npm run test:chaos`) writes the committed results and docs/reliability.md. The bounded CI
 * form runs inside `npm test` and writes its results and report under the system's temporary directory (or
 * `P2C_RELIABILITY_OUT`), so a test run never replaces the full-size report with its small numbers.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { REPORT_FILE, RESULTS_DIR, type ScenarioResult } from '../../../scripts/reliability-report';

export type { ScenarioResult };

/** `P2C_CHAOS=full` (npm run test:chaos) scales every scenario up; anything else is the bounded CI form. */
export const CHAOS_MODE: 'ci' | 'full' = process.env.P2C_CHAOS === 'full' ? 'full' : 'ci';

export function byMode<T>(ci: T, full: T): T {
  return CHAOS_MODE === 'full' ? full : ci;
}

const CI_OUT = process.env.P2C_RELIABILITY_OUT ?? path.join(os.tmpdir(), 'p2c-reliability-ci');

/** Where this mode's result files and rendered report go. */
export const REPORT_OUTPUT =
  CHAOS_MODE === 'full'
    ? { resultsDir: RESULTS_DIR, reportFile: REPORT_FILE }
    : { resultsDir: path.join(CI_OUT, 'results'), reportFile: path.join(CI_OUT, 'reliability.md') };

export function recordScenario(result: Omit<ScenarioResult, 'mode' | 'recordedAt'>): void {
  fs.mkdirSync(REPORT_OUTPUT.resultsDir, { recursive: true });
  const record: ScenarioResult = { ...result, mode: CHAOS_MODE, recordedAt: new Date().toISOString() };
  fs.writeFileSync(path.join(REPORT_OUTPUT.resultsDir, `${result.id}.json`), `${JSON.stringify(record, null, 2)}\n`);
}

const ROOT = path.resolve(__dirname, '../../..');

/** Called from afterAll: rewrites this mode's report from every result file (in a child: prettier needs real ESM). */
export function writeReport(): void {
  const { resultsDir, reportFile } = REPORT_OUTPUT;
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/reliability-report.ts', resultsDir, reportFile], {
    cwd: ROOT,
    stdio: 'pipe',
  });
}
