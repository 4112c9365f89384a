/**
 * What happens when a project run ends: an alert when the run needs attention (webhook and/or e-mail with the
 * failure summary) and the purge of execution history older than the retention period.
 */
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { retentionCutoff, type CheckpointStore, type PurgeResult } from '../common/checkpoint-store';
import {
  ALERT_FAILURE_LIMIT,
  alertReasons,
  alertSettingsForProject,
  buildRunAlert,
  deliverAlert,
  loadRunEndSettings,
  type AlertSettings,
  type ProjectAlerts,
  type RunEndSettings,
  type RunSummaryForAlert,
} from '../common/alerts';
import { classified } from './failures';

export interface RunEndActivityDeps {
  store: CheckpointStore;
  /** Defaults to the worker's environment (P2C_ALERT_*, P2C_SMTP_*, P2C_RETENTION_DAYS). */
  runEnd?: RunEndSettings;
  now?: () => Date;
}

export interface RunAlertResult {
  sent: boolean;
  channels: string[];
  reasons: string[];
}

function workflowUrl(base: string | undefined, workflowId: string): string | undefined {
  if (!base) return undefined;
  const namespace = Context.current().info.workflowNamespace ?? 'default';
  return `${base.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

export function createRunEndActivities(deps: RunEndActivityDeps) {
  // Read once at worker start, so a wrong setting shows when the worker starts, not when the first run ends.
  const settings = deps.runEnd ?? loadRunEndSettings();
  const now = deps.now ?? (() => new Date());

  /** `project` holds the project file's own recipients and webhook, added to the worker's. */
  async function sendRunAlert(summary: RunSummaryForAlert, project?: ProjectAlerts): Promise<RunAlertResult> {
    return classified(async () => {
      let alerts: AlertSettings;
      try {
        alerts = alertSettingsForProject(settings.alerts, project, summary.project);
      } catch (err) {
        // Retrying cannot give the worker an SMTP server.
        throw ApplicationFailure.nonRetryable((err as Error).message, 'AlertConfigError');
      }
      const nobody = !alerts.webhookUrl && !alerts.projectWebhookUrl && !alerts.email?.to?.length;
      // A run that needs no attention costs no reads of its failures and warnings.
      if (nobody || alertReasons(summary).length === 0) return { sent: false, channels: [], reasons: [] };
      const failures = await deps.store.failureDigest(summary.runId, ALERT_FAILURE_LIMIT);
      // Warnings alone never send an alert; one that is sent says how many there are and where to list them.
      const warnings = await deps.store.countWarnings(summary.runId);
      const alert = buildRunAlert(summary, failures, workflowUrl(alerts.uiUrl, summary.runId), warnings);
      if (!alert) return { sent: false, channels: [], reasons: [] };
      const channels = await deliverAlert(alerts, alert);
      return { sent: true, channels, reasons: alert.reasons };
    });
  }

  /** Never touches anything younger than the retention period; watermarks and row hashes are never purged. */
  async function purgeHistory(): Promise<PurgeResult> {
    return classified(async () => {
      const cutoff = retentionCutoff(settings.retentionDays, now());
      const purged = await deps.store.purge(cutoff);
      log.info('execution history purged', { before: cutoff.toISOString(), ...purged });
      return purged;
    });
  }

  return { sendRunAlert, purgeHistory };
}
