/**
 * Audits the production dependencies for the reliability report: fails on any high or critical advisory, lists
 * moderate ones with the reason they are accepted, and records the result for docs/reliability.md. Asks
 * `npm audit --omit=dev` first; when the registry does not serve it, asks the registry's two audit endpoints
 * directly (bulk advisories, then quick audit) with the locked production tree. Where none answers, the result
 * says so with each HTTP answer, and does not pass. Run: `npx tsx scripts/dependency-audit.ts`.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { RESULTS_DIR, type ScenarioResult } from './reliability-report';

const ROOT = path.resolve(__dirname, '..');
const SEVERITIES = ['info', 'low', 'moderate', 'high', 'critical'] as const;
type Severity = (typeof SEVERITIES)[number];
type Counts = Record<Severity, number>;

/** Moderate advisories accepted after review: package name → why it does not affect p2c-sync. */
const ACCEPTED_MODERATE: Record<string, string> = {};

const ENDPOINTS = {
  bulk: '-/npm/v1/security/advisories/bulk',
  quick: '-/npm/v1/security/audits/quick',
} as const;
const REQUEST_TIMEOUT_MS = 60_000;

export interface Verdict {
  outcome: string;
  failed: boolean;
}

/** Pass/fail from per-package severities, the same rule for every source of advisories. */
export function judge(source: string, counts: Counts, moderatePackages: string[]): Verdict {
  const unaccepted = moderatePackages.filter((name) => !ACCEPTED_MODERATE[name]);
  const accepted = moderatePackages
    .filter((name) => ACCEPTED_MODERATE[name])
    .map((name) => `${name} (${ACCEPTED_MODERATE[name]})`);
  const summary = `${source}: high ${counts.high}, critical ${counts.critical}, moderate ${counts.moderate}, low ${counts.low}`;
  return {
    outcome: `${summary}${accepted.length ? `; accepted moderate: ${accepted.join(', ')}` : ''}${unaccepted.length ? `; moderate to review: ${unaccepted.join(', ')}` : ''}`,
    failed: counts.high + counts.critical > 0 || unaccepted.length > 0,
  };
}

function zeroCounts(): Counts {
  return { info: 0, low: 0, moderate: 0, high: 0, critical: 0 };
}

interface NpmAuditReport {
  metadata?: { vulnerabilities?: Counts };
  vulnerabilities?: Record<string, { severity: string }>;
  message?: string;
}

/** `npm audit --omit=dev --json`: a verdict, or why it gave none. */
function npmAudit(): Verdict | { unavailable: string } {
  const run = spawnSync('npm', ['audit', '--omit=dev', '--json'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: REQUEST_TIMEOUT_MS * 2,
  });
  let report: NpmAuditReport;
  try {
    report = JSON.parse(run.stdout) as NpmAuditReport;
  } catch {
    return { unavailable: `npm audit gave no JSON (exit ${run.status}): ${run.stderr.trim().slice(0, 200)}` };
  }
  const counts = report.metadata?.vulnerabilities;
  if (!counts) return { unavailable: `npm audit: ${report.message ?? 'no metadata in the answer'}` };
  const moderate = Object.entries(report.vulnerabilities ?? {})
    .filter(([, v]) => v.severity === 'moderate')
    .map(([name]) => name);
  return judge('npm audit --omit=dev', counts, moderate);
}

interface LockPackage {
  version?: string;
  dev?: boolean;
  devOptional?: boolean;
  link?: boolean;
}

/** name → versions installed for production, from package-lock.json (lockfile v2/v3 `packages`). */
export function productionTree(): Map<string, Set<string>> {
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages?: Record<string, LockPackage>;
  };
  if (!lock.packages) throw new Error('package-lock.json has no "packages" section (lockfile v2 or later needed)');
  const tree = new Map<string, Set<string>>();
  for (const [location, entry] of Object.entries(lock.packages)) {
    if (!location || entry.dev || entry.devOptional || entry.link || !entry.version) continue;
    const name = location.slice(location.lastIndexOf('node_modules/') + 'node_modules/'.length);
    tree.set(name, (tree.get(name) ?? new Set()).add(entry.version));
  }
  return tree;
}

function registryUrl(): string {
  const configured = spawnSync('npm', ['config', 'get', 'registry'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
  return (configured || 'https://registry.npmjs.org/').replace(/\/?$/, '/');
}

/** One POST to an audit endpoint: the parsed JSON on 200, otherwise the exact HTTP answer in one line. */
async function post(url: string, body: unknown): Promise<{ json: unknown } | { unavailable: string }> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    return { unavailable: `POST ${url}: ${(error as Error).message}` };
  }
  const text = await response.text();
  const answer = `POST ${url}: HTTP ${response.status} ${response.statusText}`.trim();
  if (response.status !== 200) {
    return { unavailable: `${answer}${text.trim() ? ` (${text.trim().slice(0, 120)})` : ' (empty body)'}` };
  }
  try {
    return { json: JSON.parse(text) };
  } catch {
    return { unavailable: `${answer} with a body that is not JSON (${text.length} bytes)` };
  }
}

type BulkAnswer = Record<string, Array<{ severity?: string }>>;

/** The bulk advisory endpoint: package → advisories affecting the versions sent. */
export async function bulkAudit(
  registry: string,
  tree: Map<string, Set<string>>,
): Promise<Verdict | { unavailable: string }> {
  const body = Object.fromEntries([...tree].map(([name, versions]) => [name, [...versions]]));
  const answer = await post(`${registry}${ENDPOINTS.bulk}`, body);
  if ('unavailable' in answer) return answer;
  const counts = zeroCounts();
  const moderate = new Set<string>();
  for (const [name, advisories] of Object.entries(answer.json as BulkAnswer)) {
    for (const advisory of advisories) {
      const severity = (SEVERITIES as readonly string[]).includes(advisory.severity ?? '')
        ? (advisory.severity as Severity)
        : 'info';
      counts[severity] += 1;
      if (severity === 'moderate') moderate.add(name);
    }
  }
  return judge(`bulk advisories (${tree.size} production packages)`, counts, [...moderate]);
}

/** The quick audit endpoint (older npm clients): the production tree as a flat npm v6-style lock. */
export async function quickAudit(
  registry: string,
  tree: Map<string, Set<string>>,
): Promise<Verdict | { unavailable: string }> {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
    dependencies?: Record<string, string>;
  };
  const dependencies = Object.fromEntries([...tree].map(([name, versions]) => [name, { version: [...versions][0] }]));
  const answer = await post(`${registry}${ENDPOINTS.quick}`, {
    name: manifest.name,
    version: manifest.version,
    requires: manifest.dependencies ?? {},
    dependencies,
  });
  if ('unavailable' in answer) return answer;
  const report = answer.json as {
    metadata?: { vulnerabilities?: Counts };
    advisories?: Record<string, { severity: string; module_name: string }>;
  };
  const counts = report.metadata?.vulnerabilities;
  if (!counts) return { unavailable: `POST ${registry}${ENDPOINTS.quick}: HTTP 200 without metadata.vulnerabilities` };
  const moderate = Object.values(report.advisories ?? {})
    .filter((a) => a.severity === 'moderate')
    .map((a) => a.module_name);
  return judge(`quick audit (${tree.size} production packages)`, counts, moderate);
}

async function audit(): Promise<Verdict> {
  const tries: string[] = [];
  const viaNpm = npmAudit();
  if (!('unavailable' in viaNpm)) return viaNpm;
  tries.push(viaNpm.unavailable);
  const registry = registryUrl();
  const tree = productionTree();
  for (const endpoint of [bulkAudit, quickAudit]) {
    const verdict = await endpoint(registry, tree);
    if (!('unavailable' in verdict)) return verdict;
    tries.push(verdict.unavailable);
  }
  return { outcome: `audit not available: ${tries.join('; ')}`, failed: true };
}

async function main(): Promise<void> {
  const { outcome, failed } = await audit();
  const result: ScenarioResult = {
    id: 'dependencies-audit',
    group: 'dependencies',
    scenario: 'production dependencies: npm audit --omit=dev, else the registry audit endpoints',
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
}

// Run as a script; tests import the functions.
if (require.main === module) void main();
