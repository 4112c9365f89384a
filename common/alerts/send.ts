/** Delivery of a run alert: a JSON POST to a webhook and an e-mail through SMTP (nodemailer). */
import nodemailer from 'nodemailer';
import { smtpCredentials, type AlertSettings } from './config';
import { alertSubject, alertText, type RunAlert } from './message';

export const WEBHOOK_TIMEOUT_MS = 10_000;

export class AlertDeliveryError extends Error {
  constructor(
    readonly channel: 'webhook' | 'email',
    message: string,
  ) {
    super(`${channel} alert not delivered: ${message}`);
    this.name = 'AlertDeliveryError';
  }
}

export async function postWebhook(url: string, alert: RunAlert): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alert),
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
  } catch (error) {
    throw new AlertDeliveryError('webhook', `${url}: ${(error as Error).message}`);
  }
  // Drain the body so the connection is released.
  await response.arrayBuffer().catch(() => undefined);
  if (!response.ok) throw new AlertDeliveryError('webhook', `${url} answered ${response.status}`);
}

export async function sendAlertMail(
  email: NonNullable<AlertSettings['email']>,
  alert: RunAlert,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const transport = nodemailer.createTransport({
    host: email.smtp.host,
    port: email.smtp.port,
    secure: email.smtp.secure,
    auth: smtpCredentials(email.smtp, env),
  });
  try {
    await transport.sendMail({
      from: email.from,
      to: email.to,
      subject: alertSubject(alert),
      text: alertText(alert),
      attachments: [
        { filename: 'run-alert.json', content: JSON.stringify(alert, null, 2), contentType: 'application/json' },
      ],
    });
  } catch (error) {
    throw new AlertDeliveryError('email', `${email.smtp.host}:${email.smtp.port}: ${(error as Error).message}`);
  } finally {
    transport.close();
  }
}

/** Sends the alert on every configured channel; both are tried, and every failure is reported together. */
export async function deliverAlert(
  settings: AlertSettings,
  alert: RunAlert,
  env?: NodeJS.ProcessEnv,
): Promise<string[]> {
  const attempts: Array<[string, () => Promise<void>]> = [];
  const { webhookUrl, projectWebhookUrl } = settings;
  if (webhookUrl) attempts.push(['webhook', () => postWebhook(webhookUrl, alert)]);
  if (projectWebhookUrl && projectWebhookUrl !== webhookUrl) {
    attempts.push(['project webhook', () => postWebhook(projectWebhookUrl, alert)]);
  }
  // A worker may provide the SMTP server only; then e-mail goes out when a project names recipients.
  if (settings.email?.to?.length) attempts.push(['email', () => sendAlertMail(settings.email!, alert, env)]);
  const results = await Promise.allSettled(attempts.map(([, send]) => send()));
  const errors = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
  if (errors.length) throw new Error(errors.join('; '));
  return attempts.map(([channel]) => channel);
}
