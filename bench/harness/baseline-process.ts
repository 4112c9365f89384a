/**
 * The direct-copy baseline in a process of its own, as a hand-written script runs: its reads, mapping and writes
 * then have a JavaScript thread to themselves, apart from the emulators' (which stand in for services on other
 * machines), just as p2c-sync's worker has. The harness sends the run's spec on stdin; the process prints its result
 * as one JSON line on stdout and exits.
 */
import { spawn } from 'node:child_process';
import type { ConnectionConfig } from '../../connectors';
import type { BaselineOptions, BaselineResult } from './baseline';
import type { EngineSettings } from './scenario';

export interface BaselineSpec {
  connection: ConnectionConfig;
  projectFile: string;
  /** The engine settings the benchmark applies to the project file (its page size and page bytes). */
  engine: EngineSettings;
  tasks: readonly string[];
  options: BaselineOptions;
}

export interface BaselineRun {
  value: BaselineResult;
  /** Wall time of the copy itself, measured in the baseline's process (its start-up and sign-in are not in it). */
  seconds: number;
  /** CPU seconds the baseline's process used over the same span. */
  cpuSeconds: number;
}

/** Kept from the process's output to explain a failure. */
const OUTPUT_TAIL_CHARS = 4000;

export function runBaselineProcess(spec: BaselineSpec): Promise<BaselineRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', require.resolve('./baseline-main')], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-OUTPUT_TAIL_CHARS)));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0) {
        reject(new Error(`the baseline process exited with code ${code} (signal ${signal}): ${stderr || last}`));
        return;
      }
      try {
        resolve(JSON.parse(last) as BaselineRun);
      } catch {
        reject(new Error(`the baseline process printed no result: ${last.slice(-OUTPUT_TAIL_CHARS)}`));
      }
    });
    child.stdin.end(JSON.stringify(spec));
  });
}
