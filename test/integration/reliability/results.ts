/**
 * What each reliability scenario records for docs/reliability.md. Every test writes its own JSON file under
 * results/ and the report is re-rendered from all files present, so running one suite refreshes only its rows.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { RESULTS_DIR, type ScenarioResult } from '../../../scripts/reliability-report';

export type { ScenarioResult };

/** `P2C_CHAOS=full` (npm run test:chaos) scales every scenario up; anything else is the bounded CI form. */
export const CHAOS_MODE: 'ci' | 'full' = process.env.P2C_CHAOS === 'full' ? 'full' : 'ci';

export function byMode<T>(ci: T, full: T): T {
  return CHAOS_MODE === 'full' ? full : ci;
}

export function recordScenario(result: Omit<ScenarioResult, 'mode' | 'recordedAt'>): void {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const record: ScenarioResult = { ...result, mode: CHAOS_MODE, recordedAt: new Date().toISOString() };
  fs.writeFileSync(path.join(RESULTS_DIR, `${result.id}.json`), `${JSON.stringify(record, null, 2)}\n`);
}

const ROOT = path.resolve(__dirname, '../../..');

/** Called from afterAll: rewrites docs/reliability.md from every result file (in a child: prettier needs real ESM). */
export function writeReport(): void {
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/reliability-report.ts'], { cwd: ROOT, stdio: 'pipe' });
}
