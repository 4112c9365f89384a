/**
 * `p2c replay <run>`: replays the stored histories of a run and all its children against the workflow code of this
 * install (or --workflows), proving that deploying it will not break running or resumed runs.
 */
import { resolve as resolvePath } from 'node:path';
import type { Command } from 'commander';
import type { CliContext, CommandRunner } from './context';
import { EXIT, UsageError } from './errors';
import { counted } from './format';
import { runHistories, type RunHistory } from './histories';

export const WORKFLOWS_PATH = require.resolve('../../workflows');

export interface ReplayOptions {
  workflows?: string;
  json?: boolean;
}

interface ReplayLine {
  workflowId: string;
  runId: string;
  workflowType: string;
  ok: boolean;
  error?: string;
}

function resolveWorkflows(path: string | undefined): string {
  if (!path) return WORKFLOWS_PATH;
  try {
    return require.resolve(resolvePath(path));
  } catch {
    throw new UsageError(`--workflows ${path}: no such module; give the path of a workflows file or folder`);
  }
}

export async function replay(ctx: CliContext, run: string, options: ReplayOptions): Promise<number> {
  const workflowsPath = resolveWorkflows(options.workflows);
  const client = await ctx.client();
  // Collect first, so a missing run is reported before the workflow code is bundled.
  const histories: RunHistory[] = [];
  try {
    for await (const history of runHistories(client, run)) histories.push(history);
  } catch (error) {
    if ((error as Error).name === 'WorkflowNotFoundError' || /not found/i.test((error as Error).message))
      throw new UsageError(`no run ${run}; list runs with p2c status`);
    throw error;
  }
  // Loaded here: the worker package starts a native runtime, which the other commands do not need.
  const { DefaultLogger, Runtime, Worker } = await import('@temporalio/worker');
  installQuietRuntime(() => Runtime.install({ logger: new DefaultLogger('ERROR') }));
  const lines: ReplayLine[] = [];
  const results = Worker.runReplayHistories(
    { workflowsPath, replayName: 'p2c-replay', dataConverter: ctx.dataConverter },
    histories.map(({ workflowId, history }) => ({ workflowId, history })),
  );
  // Results come back one per history, in the order given.
  for await (const result of results) {
    lines.push({
      workflowId: result.workflowId,
      runId: result.runId,
      workflowType: histories[lines.length].workflowType,
      ok: !result.error,
      error: result.error ? `${result.error.name}: ${result.error.message}` : undefined,
    });
  }
  const failed = lines.filter((l) => !l.ok);
  if (options.json) {
    ctx.printJson({ run, workflowsPath, replayed: lines.length, failed: failed.length, histories: lines });
  } else {
    for (const line of lines)
      ctx.print(
        `${line.ok ? 'ok    ' : 'FAILED'}  ${line.workflowType} ${line.workflowId}${line.error ? `\n        ${line.error}` : ''}`,
      );
    ctx.print(replaySummary(lines.length, failed.length, workflowsPath));
  }
  return failed.length ? EXIT.failed : EXIT.completed;
}

/** The last line of a replay: how many histories replayed, and how many of them did not. */
export function replaySummary(replayed: number, failed: number, workflowsPath: string): string {
  const histories = counted(replayed, 'history', 'histories');
  if (failed === 0) return `${histories} ${replayed === 1 ? 'replays' : 'replay'} cleanly against ${workflowsPath}`;
  return `${failed} of ${histories} ${failed === 1 ? 'does' : 'do'} not replay against ${workflowsPath}`;
}

/** Replay reports problems itself; the SDK's own warnings would repeat each one with a stack trace. */
function installQuietRuntime(install: () => void): void {
  try {
    install();
  } catch {
    // Already installed in this process (tests); keep that one.
  }
}

export function registerReplay(program: Command, ctx: CliContext, run: CommandRunner): void {
  program
    .command('replay')
    .description('replay a run and its children against the current workflow code (determinism check)')
    .argument('<run>', 'workflow id of the project run')
    .option('--workflows <path>', 'replay against this workflows module instead of the installed one')
    .option('--json', 'print JSON')
    .action((runId: string, options: ReplayOptions) => run(() => replay(ctx, runId, options)));
}
