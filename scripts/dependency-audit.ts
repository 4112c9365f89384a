/**
 * `npm audit --omit=dev` for the reliability report: fails on any high or critical advisory in the production
 * dependencies, lists moderate ones with the reason they are accepted, and records the result for
 * docs/reliability.md. Run: `npx tsx scripts/dependency-audit.ts` (needs the npm registry's audit endpoint).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { RESULTS_DIR, type ScenarioResult } from './reliability-report';

/** Moderate advisories accepted after review: package name → why it does not affect p2c-sync. */
const ACCEPTED_MODERATE: Record<string, string> = {};

interface AuditReport {
  metadata?: { vulnerabilities?: Record<'info' | 'low' | 'moderate' | 'high' | 'critical', number> };
  vulnerabilities?: Record<string, { severity: string }>;
  message?: string;
}

function audit(): { outcome: string; failed: boolean } {
  const run = spawnSync('npm', ['audit', '--omit=dev', '--json'], { encoding: 'utf8', timeout: 120_000 });
  let report: AuditReport;
  try {
    report = JSON.parse(run.stdout) as AuditReport;
  } catch {
    return { outcome: `npm audit gave no JSON (exit ${run.status}): ${run.stderr.trim().slice(0, 200)}`, failed: true };
  }
  const counts = report.metadata?.vulnerabilities;
  if (!counts)
    return { outcome: `audit not available: ${report.message ?? 'no metadata in the answer'}`, failed: true };
  const moderate = Object.entries(report.vulnerabilities ?? {})
    .filter(([, v]) => v.severity === 'moderate')
    .map(([name]) => name);
  const unaccepted = moderate.filter((name) => !ACCEPTED_MODERATE[name]);
  const accepted = moderate
    .filter((name) => ACCEPTED_MODERATE[name])
    .map((name) => `${name} (${ACCEPTED_MODERATE[name]})`);
  const summary = `high ${counts.high}, critical ${counts.critical}, moderate ${counts.moderate}, low ${counts.low}`;
  return {
    outcome: `${summary}${accepted.length ? `; accepted moderate: ${accepted.join(', ')}` : ''}${unaccepted.length ? `; moderate to review: ${unaccepted.join(', ')}` : ''}`,
    failed: counts.high + counts.critical > 0 || unaccepted.length > 0,
  };
}

const { outcome, failed } = audit();
const result: ScenarioResult = {
  id: 'dependencies-audit',
  group: 'dependencies',
  scenario: 'npm audit --omit=dev',
  runs: 1,
  injected: 'production dependency tree',
  outcome: failed ? `NOT PASSED: ${outcome}` : outcome,
  mode: 'ci',
  recordedAt: new Date().toISOString(),
};
fs.mkdirSync(RESULTS_DIR, { recursive: true });
fs.writeFileSync(path.join(RESULTS_DIR, `${result.id}.json`), `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(`${result.outcome}\n`);
process.exitCode = failed ? 1 : 0;
