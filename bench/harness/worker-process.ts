/**
 * The production worker in a process of its own, so its memory is measured apart from the harness, the
 * emulators and the Temporal server. Peak RSS comes from the kernel's high-water mark (VmHWM).
 */
import fs from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { spawnWorker, type WorkerProcessOptions } from '../../test/support/worker-process';

/** Kept from the worker's stderr to explain an early exit. */
const STDERR_TAIL_CHARS = 4000;

export interface BenchWorker {
  pid: number;
  /** Rejects when the worker exits before stop(): race it against anything that waits on the worker. */
  crashed: Promise<never>;
  /** Peak resident set size so far, in bytes. */
  peakRssBytes(): number;
  /** Stops the worker (SIGTERM, finishing in-flight work) and returns its final peak RSS in bytes. */
  stop(): Promise<number>;
}

function vmHwmBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
  if (!match) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

export function startBenchWorker(options: WorkerProcessOptions): BenchWorker {
  const child: ChildProcess = spawnWorker(options);
  if (child.pid === undefined) throw new Error('the worker process did not start');
  const pid = child.pid;
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-STDERR_TAIL_CHARS);
  });
  let peak = 0;
  const sample = () => {
    if (child.exitCode !== null || child.signalCode !== null) return peak;
    peak = Math.max(peak, vmHwmBytes(pid));
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
