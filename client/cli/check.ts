/**
 * `p2c check [--task T]`: the pre-flight of a run without writing anything — every row and document the run would
 * refuse, with what to fix and where. Exit 0 when clean, 2 when there are problems (useful before go-live).
 */
import type { Command } from 'commander';
import { createClients, connectionFromProject } from '../../worker/connections';
import { checkProject, type CheckReport } from '../preflight';
import type { CliContext, CommandRunner } from './context';
import { EXIT, UsageError } from './errors';

export interface CheckOptions {
  project?: string;
  task?: string[];
  json?: boolean;
}

/** The report as text: one block per record with problems, then one line per task. */
export function formatCheckReport(report: CheckReport): string {
  const lines: string[] = [];
  for (const task of report.tasks) {
    for (const record of task.withProblems) {
      lines.push(`${task.task}@${task.dataAreaId} ${record.key}: ${record.problems.length} problem(s)`);
      for (const p of record.problems) lines.push(`  - ${p.code}${p.field ? ` [${p.field}]` : ''}: ${p.message}`);
    }
  }
  if (lines.length) lines.push('');
  for (const task of report.tasks) {
    lines.push(`${task.task}@${task.dataAreaId}: ${task.checked} checked, ${task.withProblems.length} with problems`);
  }
  lines.push(
    report.problemCount === 0
      ? `project ${report.project}: no problems found; nothing was written`
      : `project ${report.project}: ${report.problemCount} problem(s); nothing was written`,
  );
  return lines.join('\n');
}

export async function check(ctx: CliContext, options: CheckOptions): Promise<number> {
  const projectFile = options.project ?? ctx.config.projectFile;
  const project = ctx.project(projectFile);
  const clients = createClients(connectionFromProject(project));
  let report: CheckReport;
  try {
    report = await checkProject(clients, project, { tasks: options.task, projectFile });
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('unknown task')) throw new UsageError(error.message);
    throw error;
  } finally {
    await clients.close();
  }
  if (options.json) ctx.printJson(report);
  else ctx.print(formatCheckReport(report));
  return report.problemCount === 0 ? EXIT.completed : EXIT.completedWithWarnings;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerCheck(program: Command, ctx: CliContext, run: CommandRunner): void {
  program
    .command('check')
    .description('pre-flight of the project without writing: rows and documents a run would refuse, and why')
    .option('--project <file>', 'project file (default: P2C_PROJECT_FILE)')
    .option('--task <name>', 'only this task (repeatable; quotes and orders are accepted)', collect)
    .option('--json', 'print JSON')
    .action((options: CheckOptions) => run(() => check(ctx, options)));
}
