/**
 * The production worker in a process of its own, so its memory is measured apart from the harness, the
 * emulators and the Temporal server. Peak RSS comes from the kernel's high-water mark (VmHWM).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { workflowBundle } from '../../worker/bundle';
import { WORKER_NODE_OPTIONS } from '../../worker/worker';
import { parseMetrics } from '../../test/support/metrics';
import { spawnWorker, type WorkerProcessOptions } from '../../test/support/worker-process';

/** Kept from the worker's stderr to explain an early exit. */
const STDERR_TAIL_CHARS = 4000;

export interface BenchWorker {
  pid: number;
  /** Rejects when the worker exits before stop(): race it against anything that waits on the worker. */
  crashed: Promise<never>;
  /** Peak resident set size so far, in bytes. */
  peakRssBytes(): number;
  /** Resident set size now, in bytes. */
  rssBytes(): number;
  /** Stops the worker (SIGTERM, finishing in-flight work) and returns its final peak RSS in bytes. */
  stop(): Promise<number>;
  /** Seconds the worker's Dataverse requests have waited for a spent request window since it started (/metrics). */
  dataverseWindowWaitSeconds(): Promise<number>;
}

function statusBytes(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/**
 * Writes the workflow bundle to a file once, as a deployment builds it ahead of time (P2C_WORKFLOW_BUNDLE), so
 * the measured workers neither spend their start-up bundling nor count webpack's memory in their peak RSS.
 */
export async function prebuiltWorkflowBundle(dir: string): Promise<string> {
  const file = path.join(dir, 'workflow-bundle.js');
  fs.writeFileSync(file, (await workflowBundle()).code);
  return file;
}

export function startBenchWorker(
  options: WorkerProcessOptions & { workflowBundleFile?: string; metricsPort: number },
): BenchWorker {
  const env = {
    P2C_METRICS_PORT: String(options.metricsPort),
    // The heap settings a deployment starts the worker with (docs/benchmark.md, worker memory).
    NODE_OPTIONS: [process.env.NODE_OPTIONS, WORKER_NODE_OPTIONS].filter(Boolean).join(' '),
    ...options.env,
    ...(options.workflowBundleFile ? { P2C_WORKFLOW_BUNDLE: options.workflowBundleFile } : {}),
  };
  const child: ChildProcess = spawnWorker({ ...options, env });
  if (child.pid === undefined) throw new Error('the worker process did not start');
  const pid = child.pid;
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-STDERR_TAIL_CHARS);
  });
  let peak = 0;
  const sample = () => {
    if (child.exitCode !== null || child.signalCode !== null) return peak;
    peak = Math.max(peak, statusBytes(pid, 'VmHWM'));
    return peak;
  };
  let stopping = false;
  const crashed = new Promise<never>((_, reject) => {
    child.once('exit', (code, signal) => {
      if (!stopping) reject(new Error(`worker exited early (code ${code}, signal ${signal}): ${stderr}`));
    });
  });
  // Observed only when raced; an unraced rejection must not end the harness.
  crashed.catch(() => undefined);
  return {
    pid,
    crashed,
    peakRssBytes: sample,
    rssBytes: () => statusBytes(pid, 'VmRSS'),
    dataverseWindowWaitSeconds: async () => {
      const response = await fetch(`http://127.0.0.1:${options.metricsPort}/metrics`);
      const name = 'p2c_limiter_window_wait_seconds';
      const value = parseMetrics(await response.text())(name, { system: 'sales' });
      if (value === undefined || Number.isNaN(value)) throw new Error(`the worker's /metrics has no ${name} for sales`);
      return value;
    },
    stop: () =>
      new Promise((resolve) => {
        stopping = true;
        const final = sample();
        if (child.exitCode !== null || child.signalCode !== null) return resolve(final);
        child.once('exit', () => resolve(final));
        child.kill('SIGTERM');
      }),
  };
}
