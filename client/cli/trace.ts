/**
 * `p2c trace <task> <key>`: every run that read, wrote or failed one record, oldest first, with the outcome and the
 * link to the run in the Web UI — from a source business key to what happened to its target row.
 */
import type { Command } from 'commander';
import type { TraceEntry } from '../../common/checkpoint-store';
import { RUN_ORDER } from '../../mappings';
import type { CliContext, CommandRunner } from './context';
import { EXIT, UsageError } from './errors';
import { table } from './format';

export interface TraceOptions {
  json?: boolean;
}

export const TRACE_COLUMNS = ['at', 'outcome', 'run', 'detail', 'link'] as const;

export interface TracedRun {
  runId: string;
  workflowId: string;
  link: string;
  steps: Array<Pick<TraceEntry, 'at' | 'outcome' | 'detail'>>;
}

/** The entries of one key grouped by the task workflow that made them, in the order the runs first touched it. */
export function groupByRun(entries: TraceEntry[], link: (workflowId: string) => string): TracedRun[] {
  const runs = new Map<string, TracedRun>();
  for (const entry of entries) {
    let run = runs.get(entry.workflowId);
    if (!run) {
      run = { runId: entry.runId, workflowId: entry.workflowId, link: link(entry.workflowId), steps: [] };
      runs.set(entry.workflowId, run);
    }
    run.steps.push({ at: entry.at, outcome: entry.outcome, detail: entry.detail });
  }
  return [...runs.values()];
}

export async function trace(ctx: CliContext, task: string, key: string, options: TraceOptions): Promise<number> {
  // A mistyped task would otherwise read as "no run recorded" for a key that has a long history.
  if (!(RUN_ORDER as readonly string[]).includes(task))
    throw new UsageError(`unknown task ${task}; tasks are ${RUN_ORDER.join(', ')}`);
  const store = await ctx.store();
  const runs = groupByRun(await store.trace(task, key), (workflowId) => ctx.workflowUrl(workflowId));
  if (options.json) {
    ctx.printJson({ task, key, runs });
    return EXIT.completed;
  }
  if (runs.length === 0) {
    ctx.print(`no run recorded reading, writing or failing ${key} in task ${task} (check the task name and key)`);
    return EXIT.completed;
  }
  const cells = runs.flatMap((run) =>
    run.steps.map((step) => [step.at, step.outcome, run.workflowId, step.detail ?? '', run.link]),
  );
  ctx.print(table([...TRACE_COLUMNS], cells));
  ctx.print(`${runs.length} run${runs.length === 1 ? '' : 's'} touched ${key} in task ${task}`);
  return EXIT.completed;
}

export function registerTrace(program: Command, ctx: CliContext, run: CommandRunner): void {
  program
    .command('trace')
    .description('every run that read, wrote or failed one record, with the outcome and the workflow link')
    .argument('<task>', 'task name, e.g. accounts or quoteHeaders')
    .argument('<key>', 'business key of the source record, e.g. an account number')
    .option('--json', 'print JSON')
    .action((task: string, key: string, options: TraceOptions) => run(() => trace(ctx, task, key, options)));
}
