/**
 * Continuous mode for one task and partition: an incremental pass (an entitySync child, so the page loop exists
 * once), then a sleep that starts short and doubles while passes find nothing, back to short after a change;
 * continue-as-new every few passes keeps the history small. Cancel it to stop; query it for progress.
 */
import {
  continueAsNew,
  defineQuery,
  executeChild,
  isCancellation,
  log,
  ParentClosePolicy,
  patched,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { TaskDefinition } from '../mappings';
import {
  abnormalEndResult,
  addCounters,
  DELETE_COUNT_NAMES,
  emptyCounters,
  emptyDeleteCounts,
  type Counters,
  type DeleteCounts,
  type Partition,
  type SyncSettings,
  type TaskOutcome,
  type TaskResult,
} from '../common/sync-types';
import { entitySync } from './entitySync';
import { DIRECTION_ATTRIBUTE, PROJECT_ATTRIBUTE, TASK_ATTRIBUTE } from './search-attributes';
import { runTimeStamp } from './ids';

export interface PollingSettings {
  /** Sleep after a pass that changed something. */
  minIntervalMs: number;
  /** Longest sleep while idle. */
  maxIntervalMs: number;
  /** Each idle pass multiplies the sleep by this, up to maxIntervalMs. */
  backoffFactor: number;
  /** Passes per workflow run before continuing as new (the server's suggestion also triggers it). */
  passesPerRun: number;
}

export const DEFAULT_POLLING: PollingSettings = {
  minIntervalMs: 2_000,
  maxIntervalMs: 30_000,
  backoffFactor: 2,
  passesPerRun: 50,
};

/** Sleeps kept for the progress query: enough to see a back-off climb and its reset. */
const RECENT_INTERVALS = 20;

export interface ContinuousSyncInput {
  project: string;
  task: TaskDefinition;
  /** Header/lines documents: the line task each header's saga writes. */
  lineTask?: TaskDefinition;
  partition: Partition;
  settings: SyncSettings;
  polling?: Partial<PollingSettings>;
  /** Stop after this many passes in all (a bounded run for benchmarks and tests); absent runs until cancelled. */
  maxPasses?: number;
  carry?: ContinuousCarry;
}

export interface LastPass {
  workflowId: string;
  outcome: TaskOutcome;
  changes: number;
  endedAt: string;
  reason?: string;
}

export interface ContinuousCarry {
  passes: number;
  runs: number;
  startedAt: string;
  intervalMs: number;
  recentIntervalsMs: number[];
  counters: Counters;
  deletes: DeleteCounts;
  failedPasses: number;
  lastPass?: LastPass;
}

export interface ContinuousProgress extends ContinuousCarry {
  task: string;
  dataAreaId: string;
  /** What the workflow is doing now. */
  state: 'syncing' | 'sleeping';
}

export type ContinuousSummary = ContinuousCarry & { task: string; dataAreaId: string };

export const continuousProgressQuery = defineQuery<ContinuousProgress>('continuousProgress');

/** `p2c/<project>/<task>@<dataAreaId>/continuous`: one long-running workflow per task and partition. */
export function continuousWorkflowId(project: string, task: string, dataAreaId: string): string {
  return `p2c/${project}/${task}@${dataAreaId}/continuous`;
}

/** Marks continuous workflows whose pass ids name their start; runs recorded before it number passes alone. */
export const START_SCOPED_PASS_IDS = 'start-scoped-pass-ids';

/**
 * `<continuous workflow id>/<start time>/pass-<n>`. A pass's id is also the run id its cursor and failures are
 * saved under, so passes of a later start must not reuse the ids of an earlier, cancelled one.
 */
export function continuousPassId(workflowId: string, startedAt: string, pass: number): string {
  return `${workflowId}/${runTimeStamp(new Date(startedAt))}/pass-${pass}`;
}

/** Rows a pass changed in the target or deletions it saw: what resets the back-off. */
export function changesOf(result: TaskResult): number {
  return result.counters.created + result.counters.updated + result.counters.deletedSeen;
}

/** The sleep after a pass: short after a change, otherwise the previous one times the factor, capped. */
export function nextInterval(previousMs: number, changed: boolean, polling: PollingSettings): number {
  if (changed) return polling.minIntervalMs;
  return Math.min(polling.maxIntervalMs, Math.max(polling.minIntervalMs, previousMs * polling.backoffFactor));
}

export async function continuousSync(input: ContinuousSyncInput): Promise<ContinuousSummary> {
  const { project, task, partition } = input;
  const polling: PollingSettings = { ...DEFAULT_POLLING, ...input.polling };
  const state: ContinuousCarry = input.carry
    ? { ...input.carry, runs: input.carry.runs + 1 }
    : {
        passes: 0,
        runs: 1,
        startedAt: new Date().toISOString(),
        intervalMs: polling.minIntervalMs,
        recentIntervalsMs: [],
        counters: emptyCounters(),
        deletes: emptyDeleteCounts(),
        failedPasses: 0,
      };
  let activity: ContinuousProgress['state'] = 'syncing';
  setHandler(continuousProgressQuery, () => ({
    ...state,
    task: task.name,
    dataAreaId: partition.dataAreaId,
    state: activity,
  }));

  const workflowId = workflowInfo().workflowId;
  const startScopedPassIds = patched(START_SCOPED_PASS_IDS);
  let passesThisRun = 0;
  const finished = () => input.maxPasses !== undefined && state.passes >= input.maxPasses;
  for (;;) {
    if (finished()) return { ...state, task: task.name, dataAreaId: partition.dataAreaId };
    activity = 'syncing';
    const passId = startScopedPassIds
      ? continuousPassId(workflowId, state.startedAt, state.passes + 1)
      : `${workflowId}/pass-${state.passes + 1}`;
    let result: TaskResult;
    try {
      result = await executeChild(entitySync, {
        workflowId: passId,
        args: [
          {
            ref: { project, task: task.name, partition, runId: passId },
            task,
            lineTask: input.lineTask,
            mode: 'incremental',
            settings: input.settings,
          },
        ],
        parentClosePolicy: ParentClosePolicy.TERMINATE,
        searchAttributes: {
          [PROJECT_ATTRIBUTE]: [project],
          [TASK_ATTRIBUTE]: [task.name],
          [DIRECTION_ATTRIBUTE]: [task.direction],
        },
      });
    } catch (err) {
      if (isCancellation(err)) throw err;
      // A pass that ended abnormally (terminated, timed out) is retried by the next pass from the same watermark.
      result = abnormalEndResult(task.name, partition, err, new Date().toISOString());
    }
    state.passes += 1;
    passesThisRun += 1;
    addCounters(state.counters, result.counters);
    for (const name of DELETE_COUNT_NAMES) state.deletes[name] += result.deletes?.[name] ?? 0;
    if (result.outcome === 'Failed') {
      state.failedPasses += 1;
      log.warn('continuous pass failed', { task: task.name, pass: passId, reason: result.reason });
    }
    const changes = changesOf(result);
    state.lastPass = { workflowId: passId, outcome: result.outcome, changes, endedAt: result.endedAt };
    if (result.reason) state.lastPass.reason = result.reason;

    if (finished()) continue;
    // The first pass of a start counts as a change: a freshly started sync is likely to find more soon.
    state.intervalMs = nextInterval(state.intervalMs, changes > 0 || state.passes === 1, polling);
    state.recentIntervalsMs = [...state.recentIntervalsMs, state.intervalMs].slice(-RECENT_INTERVALS);
    activity = 'sleeping';
    await sleep(state.intervalMs);

    if (passesThisRun >= polling.passesPerRun || workflowInfo().continueAsNewSuggested) {
      return await continueAsNew<typeof continuousSync>({ ...input, carry: state });
    }
  }
}
