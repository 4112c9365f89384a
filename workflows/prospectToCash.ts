/**
 * A project run: every task of the project, once per partition, as child workflows started as soon as their
 * prerequisites completed (products and accounts run side by side; quotes wait for both). A task whose
 * prerequisite failed is skipped with the reason.
 */
import {
  CancellationScope,
  CancelledFailure,
  ParentClosePolicy,
  defineQuery,
  executeChild,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { TaskDefinition } from '../mappings';
import {
  abnormalEndResult,
  CANCELLED_REASON,
  DEFAULT_SYNC_SETTINGS,
  combineOutcomes,
  emptyCounters,
  type Partition,
  type ProjectRunSummary,
  type SyncMode,
  type SyncSettings,
  type TaskResult,
} from '../common/sync-types';
import type { SyncActivities } from '../activities';
import { withoutFailureSamples } from '../common/alerts/message';
import type { ProjectAlerts } from '../common/alerts/config';
import { activityOptions } from './activity-options';
import { entitySync, type EntitySyncInput } from './entitySync';
import { DIRECTION_ATTRIBUTE, OUTCOME_ATTRIBUTE, PROJECT_ATTRIBUTE, TASK_ATTRIBUTE } from './search-attributes';
import { SCHEDULED_RUN_TIME, runTimeStamp, taskWorkflowId } from './ids';

export interface ProspectToCashInput {
  project: string;
  /** Resolved task definitions in run order (mappings' resolveTasks). */
  tasks: TaskDefinition[];
  partitions: Partition[];
  mode: SyncMode;
  settings?: Partial<SyncSettings>;
  /** Run time stamp shared by the run's workflow ids (`p2c/<project>/<task>/<runTime>`). */
  runTime: string;
  /** Re-run only these source keys per task (retry of failed rows). */
  onlyKeys?: Record<string, string[]>;
  /** The project file's own alert recipients and webhook. */
  alerts?: ProjectAlerts;
}

export interface ProjectProgress {
  project: string;
  tasks: Array<{
    task: string;
    dataAreaId: string;
    state: 'waiting' | 'running' | 'done';
    workflowId: string;
    result?: TaskResult;
  }>;
}

const { sendRunAlert, purgeHistory } = proxyActivities<SyncActivities>(activityOptions.bookkeeping);

export const projectProgressQuery = defineQuery<ProjectProgress>('projectProgress');

/** Marks project runs in which a task cancelled on its own is reported with the reason `cancelled`. */
export const CANCELLED_TASK_REASON = 'cancelled-task-reason';

type Job = ProjectProgress['tasks'][number] & { definition: TaskDefinition; partition: Partition };

export async function prospectToCash(input: ProspectToCashInput): Promise<ProjectRunSummary> {
  const startedAt = new Date().toISOString();
  const settings: SyncSettings = { ...DEFAULT_SYNC_SETTINGS, ...input.settings };
  const runId = workflowInfo().workflowId;
  const multiPartition = input.partitions.length > 1;
  // Scheduled runs share one fixed action; their tasks are named after this run's own start time.
  const runTime = input.runTime === SCHEDULED_RUN_TIME ? runTimeStamp(workflowInfo().startTime) : input.runTime;
  const jobs: Job[] = [];
  const byName = new Map(input.tasks.map((t) => [t.name, t]));
  // Line tasks run inside their header's document saga, not as tasks of their own.
  const runsInSaga = (t: TaskDefinition) => !!t.parent && byName.has(t.parent);
  const jobTaskOf = (name: string) => {
    const definition = byName.get(name);
    return definition && runsInSaga(definition) ? definition.parent! : name;
  };
  for (const definition of input.tasks) {
    if (runsInSaga(definition)) continue;
    if (input.onlyKeys && !input.onlyKeys[definition.name]) continue;
    for (const partition of input.partitions) {
      jobs.push({
        task: definition.name,
        dataAreaId: partition.dataAreaId,
        state: 'waiting',
        workflowId: taskWorkflowId(
          input.project,
          definition.name,
          runTime,
          multiPartition ? partition.dataAreaId : undefined,
        ),
        definition,
        partition,
      });
    }
  }
  upsertSearchAttributes({ [PROJECT_ATTRIBUTE]: [input.project] });

  const projectProgress = (): ProjectProgress => ({
    project: input.project,
    tasks: jobs.map(({ task, dataAreaId, state, workflowId, result }) => ({
      task,
      dataAreaId,
      state,
      workflowId,
      result,
    })),
  });
  setHandler(projectProgressQuery, projectProgress);

  const inRun = new Set(jobs.map((j) => j.task));
  const blockerOf = (job: Job): string | undefined => {
    for (const dep of new Set((job.definition.dependsOn ?? []).map(jobTaskOf))) {
      if (!inRun.has(dep) || dep === job.task) continue;
      const depJobs = jobs.filter((j) => j.task === dep && j.dataAreaId === job.dataAreaId);
      if (depJobs.some((j) => j.state !== 'done')) return 'waiting';
      const failed = depJobs.find((j) => j.result?.outcome === 'Failed' || j.result?.outcome === 'Skipped');
      if (failed) return `prerequisite ${dep} ${failed.result!.outcome.toLowerCase()}`;
    }
    return undefined;
  };

  const running = new Map<Job, Promise<void>>();
  // A cancelled run starts no more tasks, waits for its running ones to end (cancelled with it) and ends cancelled.
  let cancellation: unknown;
  for (;;) {
    if (cancellation === undefined && CancellationScope.current().consideredCancelled) {
      cancellation = new CancelledFailure('project run cancelled');
    }
    for (const job of cancellation === undefined ? jobs.filter((j) => j.state === 'waiting') : []) {
      const blocker = blockerOf(job);
      if (blocker === 'waiting') continue;
      if (blocker) {
        const now = new Date().toISOString();
        job.state = 'done';
        job.result = {
          task: job.task,
          partition: job.partition,
          outcome: 'Skipped',
          counters: emptyCounters(),
          failureSample: [],
          failureCount: 0,
          reason: blocker,
          startedAt: now,
          endedAt: now,
        };
        continue;
      }
      job.state = 'running';
      const childInput: EntitySyncInput = {
        ref: { project: input.project, task: job.task, partition: job.partition, runId },
        task: job.definition,
        lineTask: job.definition.children ? byName.get(job.definition.children) : undefined,
        mode: input.mode,
        settings,
        onlyKeys: input.onlyKeys?.[job.task],
      };
      const run = executeChild(entitySync, {
        workflowId: job.workflowId,
        args: [childInput],
        parentClosePolicy: ParentClosePolicy.TERMINATE,
        searchAttributes: {
          [PROJECT_ATTRIBUTE]: [input.project],
          [TASK_ATTRIBUTE]: [job.task],
          [DIRECTION_ATTRIBUTE]: [job.definition.direction],
        },
      })
        .catch((err: unknown): TaskResult => {
          // Ended by this run's cancellation; a task cancelled on its own is a failed task of a run that goes on.
          if (isCancellation(err) && CancellationScope.current().consideredCancelled) throw err;
          // The child itself ended abnormally (terminated, timed out): record it as a failed task.
          const failed = abnormalEndResult(job.task, job.partition, err, new Date().toISOString());
          // A cancellation's failure carries no message; runs recorded before left such a task's reason empty.
          if (isCancellation(err) && patched(CANCELLED_TASK_REASON)) return { ...failed, reason: CANCELLED_REASON };
          return failed;
        })
        .then((result) => {
          job.result = result;
          job.state = 'done';
        })
        .finally(() => running.delete(job));
      running.set(job, run);
    }
    if (running.size === 0) {
      if (cancellation !== undefined) throw cancellation;
      if (jobs.every((j) => j.state === 'done')) break;
      // Only reachable with a dependency cycle, which the project loader rejects; fail loudly rather than hang.
      throw new Error(
        `tasks cannot start: ${jobs
          .filter((j) => j.state === 'waiting')
          .map((j) => j.task)
          .join(', ')}`,
      );
    }
    await Promise.race(running.values()).catch((err: unknown) => {
      if (!isCancellation(err)) throw err;
      cancellation ??= err;
    });
  }

  const tasks = jobs.map((j) => j.result!);
  const outcome = combineOutcomes(tasks.map((t) => t.outcome));
  upsertSearchAttributes({ [OUTCOME_ATTRIBUTE]: [outcome] });
  upsertMemo({
    summary: tasks
      .map(
        (t) =>
          `${t.task}@${t.partition.dataAreaId}: ${t.outcome} (${t.counters.created} created, ${t.counters.updated} updated, ${t.counters.failed} failed)`,
      )
      .join('; '),
  });
  const summary: ProjectRunSummary = {
    project: input.project,
    runId,
    outcome,
    tasks,
    startedAt,
    endedAt: new Date().toISOString(),
  };
  // Histories recorded before run-end alerts existed replay without these commands. Every task has ended, so a
  // cancellation arriving now does not stop the alert about their outcome.
  if (patched('run-end-alert-and-purge')) {
    await CancellationScope.nonCancellable(async () => {
      try {
        await sendRunAlert(withoutFailureSamples(summary), input.alerts);
      } catch (err) {
        // An undelivered alert is logged; it never turns a run's outcome into something else.
        log.error('run alert not delivered', { runId, reason: err instanceof Error ? err.message : String(err) });
      }
      await purgeHistory().catch((err: unknown) =>
        log.warn('history purge failed', { reason: err instanceof Error ? err.message : String(err) }),
      );
    });
  }
  return summary;
}
