/**
 * Entry point of the baseline's own process (see baseline-process.ts): reads a BaselineSpec from stdin, copies, and
 * prints `{ value, seconds }` as the last line of stdout.
 */
import { resolveTasks } from '../../mappings/project-file';
import { createClients } from '../../worker/connections';
import { runBaseline } from './baseline';
import { ownCpuSeconds } from './cpu';
import type { BaselineRun, BaselineSpec } from './baseline-process';
import { benchProject } from './scenario';

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += (chunk as Buffer).toString();
  return text;
}

async function main(): Promise<void> {
  const spec = JSON.parse(await readStdin()) as BaselineSpec;
  const project = benchProject(spec.projectFile, spec.engine);
  const wanted = new Set(spec.tasks);
  const tasks = resolveTasks(project).filter((t) => wanted.has(t.name));
  const clients = createClients(spec.connection);
  try {
    const started = process.hrtime.bigint();
    const cpuBefore = ownCpuSeconds();
    const value = await runBaseline(clients, project.name, tasks, project.partitions, spec.options);
    const run: BaselineRun = {
      value,
      seconds: Number(process.hrtime.bigint() - started) / 1e9,
      cpuSeconds: ownCpuSeconds() - cpuBefore,
    };
    process.stdout.write(`${JSON.stringify(run)}\n`);
  } finally {
    await clients.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
