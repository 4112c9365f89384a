/** Turns measured runs into the report: derived figures, target checks, JSON, a markdown table and a PNG plot. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import type { BaselineOptions } from './baseline';
import type { EngineSettings, ProtectedResult, SizeResult } from './scenario';

/** The targets; each is checked against the measured figures. */
export const TARGETS = {
  minRatioAtLargest: 0.8,
  maxWorkerRssMB: 400,
  /** Peak RSS at the largest size may exceed the smallest size's by at most this factor ("flat"). */
  maxRssGrowth: 1.25,
  maxIncrementalShare: 0.05,
  minProtectedShare: 0.9,
  maxEventsPerRun: 10_000,
  maxTotalSeconds: 15 * 60,
} as const;

const MB = 1024 * 1024;
const PER = 1000;

export interface SizeReport {
  accounts: number;
  rows: number;
  seeded: Record<string, number>;
  baseline: { seconds: number; rowsPerSecond: number; requestsPer1000Rows: number; written: number; failed: number };
  p2c: {
    seconds: number;
    rowsPerSecond: number;
    rowsReadByTasks: number;
    outcome: string;
    requestsPer1000Rows: number;
    historyEventsPer1000Rows: number;
    payloadBytesPer1000Rows: number;
    historyBytesPer1000Rows: number;
    workflowRuns: number;
    maxEventsPerRun: number;
    maxEventsWorkflowType: string;
  };
  ratio: number;
  /**
   * The ratio with each run's wait for the connectors' Dataverse request window taken out of its time: equal to
   * `ratio` when neither run waited, and the comparison of the two engines when the window slowed one more.
   */
  ratioWithoutWindowWaits: number;
  incremental: {
    seconds: number;
    changedRows: number;
    rowsReadByTasks: number;
    relativeToFull: number;
    requests: number;
    historyEvents: number;
    maxEventsPerRun: number;
  };
  workerPeakRssMB: number;
  workerIdleRssMB: number;
  /** What the full runs cost the machine in CPU time (absent for results recorded before it was measured). */
  cpu?: CpuReport;
  raw: SizeResult;
}

export interface CpuReport {
  cores: number;
  /** CPU seconds of the copy: the baseline's process and the emulators. */
  baselineSeconds: number;
  /** CPU seconds of p2c-sync's full run: its worker, the Temporal server (when started by the benchmark), the emulators. */
  p2cSeconds: number;
  /** Cores busy on average during each run: CPU seconds ÷ wall seconds. */
  baselineCoresBusy: number;
  p2cCoresBusy: number;
  /**
   * The least wall time p2c-sync's full run could take on this machine with the CPU time it needs: its CPU seconds
   * spread perfectly over all cores. No scheduling of the same work (more concurrency, earlier starts) goes below it.
   */
  p2cLeastSeconds: number;
  /** The p2c/baseline ratio at that least wall time: the highest this code can reach on this machine. */
  highestRatio: number;
}

/** The CPU figures of a size, when both runs measured them. */
export function cpuReport(result: SizeResult, cores: number): CpuReport | undefined {
  const baseline = result.baseline.cpu;
  const p2c = result.full.cpu;
  if (!baseline || !p2c) return undefined;
  const p2cLeastSeconds = p2c.total / cores;
  return {
    cores,
    baselineSeconds: baseline.total,
    p2cSeconds: p2c.total,
    baselineCoresBusy: baseline.total / result.baseline.seconds,
    p2cCoresBusy: p2c.total / result.full.seconds,
    p2cLeastSeconds,
    highestRatio: result.baseline.seconds / p2cLeastSeconds,
  };
}

export interface ProtectedReport {
  accounts: number;
  rows: number;
  limits: ProtectedResult['limits'];
  seconds: number;
  rowsPerSecond: number;
  /** Best rows/s the limits allow: the unprotected run's pace, or the request budget if that is slower. */
  limitMaxRowsPerSecond: number;
  limitBound: 'request window' | 'none (the run needs fewer requests than one window allows)';
  achievedShare: number;
  dataverseRequests: number;
  throttled: number;
  earlyRetries: number;
}

export interface TargetCheck {
  name: string;
  target: string;
  measured: string;
  met: boolean;
}

export interface BenchReport {
  startedAt: string;
  mode: 'quick' | 'full';
  /** False while the run is still going (or was stopped): later sizes or the protected run are missing. */
  complete: boolean;
  machine: { cpus: number; node: string; platform: string };
  /** How the measured workers were started: their NODE_OPTIONS heap settings and workflow cache size. */
  worker: { nodeOptions: string; maxCachedWorkflows: number };
  engine: EngineSettings;
  baselineSettings: BaselineOptions;
  sizes: SizeReport[];
  serviceProtection?: ProtectedReport;
  totalSeconds: number;
  targets: TargetCheck[];
}

export function sizeReport(result: SizeResult, cores = os.cpus().length): SizeReport {
  const per = (value: number) => (value * PER) / result.rows;
  return {
    accounts: result.accounts,
    rows: result.rows,
    seeded: result.seeded,
    baseline: {
      seconds: result.baseline.seconds,
      rowsPerSecond: result.rows / result.baseline.seconds,
      requestsPer1000Rows: per(result.baseline.requests.total),
      written: result.baseline.written,
      failed: result.baseline.failed,
    },
    p2c: {
      seconds: result.full.seconds,
      rowsPerSecond: result.rows / result.full.seconds,
      rowsReadByTasks: result.full.rowsRead,
      outcome: result.full.outcome,
      requestsPer1000Rows: per(result.full.requests.total),
      historyEventsPer1000Rows: per(result.full.history.events),
      payloadBytesPer1000Rows: per(result.full.history.payloadBytes),
      historyBytesPer1000Rows: per(result.full.history.historyBytes),
      workflowRuns: result.full.history.workflowRuns,
      maxEventsPerRun: result.full.history.maxEventsPerRun,
      maxEventsWorkflowType: result.full.history.maxEventsWorkflowType,
    },
    ratio: result.baseline.seconds / result.full.seconds,
    ratioWithoutWindowWaits: ratioWithoutWindowWaits(result),
    incremental: {
      seconds: result.incremental.seconds,
      changedRows: result.incremental.changedRows,
      rowsReadByTasks: result.incremental.rowsRead,
      relativeToFull: result.incremental.seconds / result.full.seconds,
      requests: result.incremental.requests.total,
      historyEvents: result.incremental.history.events,
      maxEventsPerRun: result.incremental.history.maxEventsPerRun,
    },
    workerPeakRssMB: result.workerPeakRssBytes / MB,
    workerIdleRssMB: result.workerIdleRssBytes / MB,
    cpu: cpuReport(result, cores),
    raw: result,
  };
}

function ratioWithoutWindowWaits(result: SizeResult): number {
  const baselineSeconds = result.baseline.seconds - (result.baseline.dataverseWindowWaitSeconds ?? 0);
  const p2cSeconds = result.full.seconds - (result.full.dataverseWindowWaitSeconds ?? 0);
  return baselineSeconds / p2cSeconds;
}

/** Whether either run of a size waited for the Dataverse request window. */
export function waitedForWindow(size: SizeReport): boolean {
  return (size.raw.baseline.dataverseWindowWaitSeconds ?? 0) > 0 || (size.raw.full.dataverseWindowWaitSeconds ?? 0) > 0;
}

/**
 * A sliding window of `maxRequests` per `windowSeconds` lets R requests finish no sooner than
 * (ceil(R / maxRequests) − 1) windows; below one window's worth the limits do not bound the run.
 */
export function protectedReport(result: ProtectedResult): ProtectedReport {
  const needed = result.unprotected.dataverseRequests;
  const windowBoundSeconds = (Math.ceil(needed / result.limits.maxRequests) - 1) * result.limits.windowSeconds;
  const bestSeconds = Math.max(result.unprotected.seconds, windowBoundSeconds);
  const limitMaxRowsPerSecond = result.rows / bestSeconds;
  const rowsPerSecond = result.rows / result.run.seconds;
  return {
    accounts: result.accounts,
    rows: result.rows,
    limits: result.limits,
    seconds: result.run.seconds,
    rowsPerSecond,
    limitMaxRowsPerSecond,
    limitBound:
      windowBoundSeconds > result.unprotected.seconds
        ? 'request window'
        : 'none (the run needs fewer requests than one window allows)',
    achievedShare: rowsPerSecond / limitMaxRowsPerSecond,
    dataverseRequests: result.run.requests.dataverse,
    throttled: result.throttled,
    earlyRetries: result.earlyRetries,
  };
}

const fixed = (value: number, digits = 2) => value.toFixed(digits);

/** Both runs share the connectors' Dataverse request window; when it held one back, say for how long. */
function windowWait(waited: number | undefined): string {
  return waited ? ` (${fixed(waited, 1)} s of it waiting for the Dataverse request window)` : '';
}

export function checkTargets(sizes: SizeReport[], protectedRun: ProtectedReport | undefined, totalSeconds: number) {
  const checks: TargetCheck[] = [];
  const largest = sizes[sizes.length - 1];
  const smallest = sizes[0];
  checks.push({
    name: `p2c/baseline at ${largest.accounts} accounts`,
    target: `≥ ${TARGETS.minRatioAtLargest}`,
    // Met or not on the measured times; when the request window slowed a run, the figure without it stands beside.
    measured: waitedForWindow(largest)
      ? `${fixed(largest.ratio)} (${fixed(largest.ratioWithoutWindowWaits)} without the Dataverse request window's waits)`
      : fixed(largest.ratio),
    met: largest.ratio >= TARGETS.minRatioAtLargest,
  });
  const peak = Math.max(...sizes.map((s) => s.workerPeakRssMB));
  checks.push({
    name: 'worker peak RSS',
    target: `< ${TARGETS.maxWorkerRssMB} MB`,
    measured: `${fixed(peak, 0)} MB`,
    met: peak < TARGETS.maxWorkerRssMB,
  });
  if (sizes.length > 1) {
    const growth = largest.workerPeakRssMB / smallest.workerPeakRssMB;
    checks.push({
      name: `worker peak RSS flat from ${smallest.accounts} to ${largest.accounts} accounts`,
      target: `≤ ×${TARGETS.maxRssGrowth}`,
      measured: `×${fixed(growth)}`,
      met: growth <= TARGETS.maxRssGrowth,
    });
  }
  const worstIncremental = Math.max(...sizes.map((s) => s.incremental.relativeToFull));
  checks.push({
    name: 'incremental run after 1 % change, share of the full run’s time',
    target: `≤ ${TARGETS.maxIncrementalShare * 100} %`,
    measured: `${fixed(worstIncremental * 100, 1)} %`,
    met: worstIncremental <= TARGETS.maxIncrementalShare,
  });
  const maxEvents = Math.max(...sizes.map((s) => Math.max(s.p2c.maxEventsPerRun, s.incremental.maxEventsPerRun)));
  checks.push({
    name: 'history events per workflow run (max)',
    target: `< ${TARGETS.maxEventsPerRun}`,
    measured: String(maxEvents),
    met: maxEvents < TARGETS.maxEventsPerRun,
  });
  if (protectedRun) {
    checks.push({
      name: 'under service protection, share of the limit-imposed maximum',
      target: `≥ ${TARGETS.minProtectedShare * 100} %`,
      measured: `${fixed(protectedRun.achievedShare * 100, 1)} %`,
      met: protectedRun.achievedShare >= TARGETS.minProtectedShare,
    });
    checks.push({
      name: '429s retried before Retry-After',
      target: '0',
      measured: String(protectedRun.earlyRetries),
      met: protectedRun.earlyRetries === 0,
    });
  }
  checks.push({
    name: 'whole benchmark',
    target: `< ${TARGETS.maxTotalSeconds / 60} min`,
    measured: `${fixed(totalSeconds / 60, 1)} min`,
    met: totalSeconds < TARGETS.maxTotalSeconds,
  });
  return checks;
}

const seconds = (value: number | undefined) => `${fixed(value ?? 0, 1)} s`;

/** Where each full run's CPU time went, and the ratio the p2c run's CPU time allows on this machine at best. */
function cpuLine(s: SizeReport): string {
  const cpu = s.cpu!;
  const baseline = s.raw.baseline.cpu!;
  const p2c = s.raw.full.cpu!;
  const server =
    p2c.temporalServer === undefined
      ? ', Temporal server not measured'
      : `, Temporal server ${seconds(p2c.temporalServer)}`;
  return (
    `CPU time: baseline ${seconds(cpu.baselineSeconds)} (its process ${seconds(baseline.baseline)}, emulators ` +
    `${seconds(baseline.emulators)}; ${fixed(cpu.baselineCoresBusy, 2)} cores busy on average), p2c full run ` +
    `${seconds(cpu.p2cSeconds)} (worker ${seconds(p2c.worker)}${server}, emulators ${seconds(p2c.emulators)}; ` +
    `${fixed(cpu.p2cCoresBusy, 2)} cores busy). Spread over all ${cpu.cores} cores that CPU time needs at least ` +
    `${seconds(cpu.p2cLeastSeconds)}, so this code's p2c/baseline can reach at most ${fixed(cpu.highestRatio)} here.`
  );
}

export function markdown(report: BenchReport, plotFile?: string): string {
  const lines: string[] = [];
  lines.push(`# Benchmark run ${report.startedAt} (${report.mode}${report.complete ? '' : ', incomplete'})`, '');
  lines.push(
    `Machine: ${report.machine.cpus} CPUs, Node ${report.machine.node}, ${report.machine.platform}. ` +
      `Engine: pageSize ${report.engine.pageSize}, pipelineDepth ${report.engine.pipelineDepth}, ` +
      `maxPageBytes ${report.engine.maxPageBytes}, writeConcurrency ${report.engine.writeConcurrency}, ` +
      `documentConcurrency ${report.engine.documentConcurrency}. Baseline: pageSize ${report.baselineSettings.pageSize}, ` +
      `${report.baselineSettings.writesInFlight} pages in flight, ${report.baselineSettings.documentConcurrency} documents at once. ` +
      `Worker: NODE_OPTIONS \`${report.worker.nodeOptions}\`, maxCachedWorkflows ${report.worker.maxCachedWorkflows}. ` +
      `Whole run ${fixed(report.totalSeconds, 0)} s.`,
    '',
  );
  lines.push(
    '| accounts | rows | baseline rows/s | p2c rows/s | p2c/baseline | incremental / full | worker peak RSS MB | events / 1k rows | payload KB / 1k rows | requests / 1k rows (baseline, p2c) | workflow runs | max events / run |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const s of report.sizes) {
    lines.push(
      `| ${s.accounts} | ${s.rows} | ${fixed(s.baseline.rowsPerSecond, 0)} | ${fixed(s.p2c.rowsPerSecond, 0)} | ` +
        `${fixed(s.ratio)} | ${fixed(s.incremental.relativeToFull * 100, 1)} % | ${fixed(s.workerPeakRssMB, 0)} | ` +
        `${fixed(s.p2c.historyEventsPer1000Rows, 0)} | ${fixed(s.p2c.payloadBytesPer1000Rows / 1024, 0)} | ` +
        `${fixed(s.baseline.requestsPer1000Rows, 1)}, ${fixed(s.p2c.requestsPer1000Rows, 1)} | ${s.p2c.workflowRuns} | ` +
        `${s.p2c.maxEventsPerRun} |`,
    );
  }
  lines.push('');
  for (const s of report.sizes) {
    lines.push(
      `- ${s.accounts} accounts: baseline ${fixed(s.baseline.seconds, 1)} s${windowWait(s.raw.baseline.dataverseWindowWaitSeconds)}, ` +
        `p2c full ${fixed(s.p2c.seconds, 1)} s${windowWait(s.raw.full.dataverseWindowWaitSeconds)} ` +
        `(${s.p2c.outcome})` +
        (waitedForWindow(s) ? `, p2c/baseline without those waits ${fixed(s.ratioWithoutWindowWaits)}` : '') +
        `, incremental ${fixed(s.incremental.seconds, 1)} s after ${s.incremental.changedRows} edited rows ` +
        `(${s.incremental.rowsReadByTasks} rows read, ${s.incremental.requests} requests, ${s.incremental.historyEvents} history events); ` +
        `worker RSS ${fixed(s.workerIdleRssMB, 0)} MB idle, ${fixed(s.workerPeakRssMB, 0)} MB peak.`,
    );
    const tasks = s.raw.full.tasks ?? [];
    if (tasks.length) {
      lines.push(
        `  Full run per task (wall time, rows read): ` +
          tasks.map((t) => `${t.task} ${fixed(t.seconds, 1)} s / ${t.read}`).join(', ') +
          '.',
      );
    }
    if (s.cpu) lines.push(`  ${cpuLine(s)}`);
    const baselineTasks = s.raw.baseline.tasks ?? [];
    if (baselineTasks.length) {
      lines.push(
        `  Baseline per task (wall time): ` +
          baselineTasks.map((t) => `${t.task} ${fixed(t.seconds, 1)} s`).join(', ') +
          '.',
      );
    }
  }
  const sp = report.serviceProtection;
  if (sp) {
    lines.push(
      '',
      `Service protection (Dataverse: ${sp.limits.maxRequests} requests per ${sp.limits.windowSeconds} s, ` +
        `${sp.limits.maxConcurrent} concurrent) at ${sp.accounts} accounts: ${fixed(sp.rowsPerSecond, 0)} rows/s in ` +
        `${fixed(sp.seconds, 1)} s against a limit-imposed maximum of ${fixed(sp.limitMaxRowsPerSecond, 0)} rows/s ` +
        `(${fixed(sp.achievedShare * 100, 1)} %; bound: ${sp.limitBound}); ${sp.dataverseRequests} Dataverse requests, ` +
        `${sp.throttled} throttled, ${sp.earlyRetries} retried before Retry-After.`,
    );
  }
  lines.push('', '| target | goal | measured | met |', '|---|---|---|---|');
  for (const t of report.targets) lines.push(`| ${t.name} | ${t.target} | ${t.measured} | ${t.met ? 'yes' : 'no'} |`);
  if (plotFile) lines.push('', `![rows/s versus size](${plotFile})`);
  return lines.join('\n') + '\n';
}

const PLOT = { width: 720, height: 420, left: 70, right: 160, top: 30, bottom: 50 } as const;

/** rows/s versus accounts for the baseline and p2c-sync, as an SVG with linear axes starting at zero. */
export function plotSvg(sizes: SizeReport[]): string {
  const w = PLOT.width - PLOT.left - PLOT.right;
  const h = PLOT.height - PLOT.top - PLOT.bottom;
  const maxX = Math.max(...sizes.map((s) => s.accounts));
  const maxY = Math.max(...sizes.flatMap((s) => [s.baseline.rowsPerSecond, s.p2c.rowsPerSecond])) * 1.1;
  const x = (v: number) => PLOT.left + (v / maxX) * w;
  const y = (v: number) => PLOT.top + h - (v / maxY) * h;
  const series = [
    { name: 'baseline (direct copy)', color: '#888888', value: (s: SizeReport) => s.baseline.rowsPerSecond },
    { name: 'p2c-sync', color: '#1f6feb', value: (s: SizeReport) => s.p2c.rowsPerSecond },
  ];
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${PLOT.width}" height="${PLOT.height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<line x1="${PLOT.left}" y1="${PLOT.top + h}" x2="${PLOT.left + w}" y2="${PLOT.top + h}" stroke="black"/>`,
    `<line x1="${PLOT.left}" y1="${PLOT.top}" x2="${PLOT.left}" y2="${PLOT.top + h}" stroke="black"/>`,
    `<text x="${PLOT.left + w / 2}" y="${PLOT.height - 10}" text-anchor="middle">accounts seeded</text>`,
    `<text x="15" y="${PLOT.top + h / 2}" text-anchor="middle" transform="rotate(-90 15 ${PLOT.top + h / 2})">rows/s</text>`,
  ];
  const ticks = 5;
  for (let i = 0; i <= ticks; i++) {
    const v = (maxY / ticks) * i;
    parts.push(
      `<line x1="${PLOT.left - 4}" y1="${y(v)}" x2="${PLOT.left + w}" y2="${y(v)}" stroke="#eeeeee"/>`,
      `<text x="${PLOT.left - 8}" y="${y(v) + 4}" text-anchor="end">${Math.round(v)}</text>`,
    );
  }
  for (const s of sizes) {
    parts.push(`<text x="${x(s.accounts)}" y="${PLOT.top + h + 18}" text-anchor="middle">${s.accounts}</text>`);
  }
  series.forEach((serie, i) => {
    const points = sizes.map((s) => `${x(s.accounts)},${y(serie.value(s))}`).join(' ');
    parts.push(`<polyline points="${points}" fill="none" stroke="${serie.color}" stroke-width="2"/>`);
    for (const s of sizes) {
      parts.push(`<circle cx="${x(s.accounts)}" cy="${y(serie.value(s))}" r="4" fill="${serie.color}"/>`);
    }
    const ly = PLOT.top + 20 + i * 20;
    parts.push(
      `<rect x="${PLOT.left + w + 15}" y="${ly - 9}" width="12" height="12" fill="${serie.color}"/>`,
      `<text x="${PLOT.left + w + 33}" y="${ly + 1}">${serie.name}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** Writes `<base>.json`, `<base>.md` and `<base>.png`; returns the three paths. */
export function writeReport(report: BenchReport, dir: string, base: string) {
  fs.mkdirSync(dir, { recursive: true });
  const files = {
    json: path.join(dir, `${base}.json`),
    markdown: path.join(dir, `${base}.md`),
    png: path.join(dir, `${base}.png`),
  };
  fs.writeFileSync(files.json, JSON.stringify(report, null, 2) + '\n');
  const png = new Resvg(plotSvg(report.sizes), { font: { loadSystemFonts: true } }).render().asPng();
  fs.writeFileSync(files.png, png);
  fs.writeFileSync(files.markdown, markdown(report, path.basename(files.png)));
  return files;
}
