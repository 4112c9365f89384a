/**
 * CPU time the processes of a run used (user + system, all threads), so the report can say what a run cost the
 * machine and not only how long it took: on a machine whose cores are all busy, wall time can only fall as far as
 * the CPU time divided by the cores.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/** Clock ticks per second of /proc's CPU times (USER_HZ; 100 on the usual Linux builds). */
function clockTicks(): number {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
}

let ticksPerSecond: number | undefined;

/** USER_HZ of this machine, read once. */
export function clockTicksPerSecond(): number {
  return (ticksPerSecond ??= clockTicks());
}

/**
 * CPU seconds the process `pid` has used so far, from `/proc/<pid>/stat` (utime and stime, fields 14 and 15).
 * The command name (field 2) may hold spaces and parentheses, so fields are counted after its closing parenthesis.
 */
export function processCpuSeconds(pid: number, statText?: string): number {
  const stat = statText ?? fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so utime (14) and stime (15) are fields[11] and fields[12].
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`unreadable /proc/${pid}/stat: ${stat}`);
  return (utime + stime) / clockTicksPerSecond();
}

/** CPU seconds this process (the harness, with the emulators it hosts) has used so far. */
export function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** CPU seconds a run used, per process; a process the run did not have is absent. */
export interface CpuSeconds {
  /** The harness's process: both emulators and the benchmark's own bookkeeping. */
  emulators: number;
  /** p2c-sync's worker process. */
  worker?: number;
  /** The Temporal dev server (absent when the benchmark reused a server it did not start). */
  temporalServer?: number;
  /** The baseline's process, timed around the copy inside it. */
  baseline?: number;
  total: number;
}

/**
 * Starts counting: the returned function gives the CPU seconds each process used since. `baseline` is the baseline
 * process's own figure, added when the run is over (that process has exited by then).
 */
export function cpuMeter(pids: { worker?: number; temporalServer?: number }): (baseline?: number) => CpuSeconds {
  const read = () => ({
    emulators: ownCpuSeconds(),
    worker: pids.worker === undefined ? undefined : processCpuSeconds(pids.worker),
    temporalServer: pids.temporalServer === undefined ? undefined : processCpuSeconds(pids.temporalServer),
  });
  const start = read();
  return (baseline) => {
    const end = read();
    const delta = (a?: number, b?: number) => (a === undefined || b === undefined ? undefined : a - b);
    const result: CpuSeconds = {
      emulators: end.emulators - start.emulators,
      worker: delta(end.worker, start.worker),
      temporalServer: delta(end.temporalServer, start.temporalServer),
      baseline,
      total: 0,
    };
    result.total = result.emulators + (result.worker ?? 0) + (result.temporalServer ?? 0) + (baseline ?? 0);
    return result;
  };
}
