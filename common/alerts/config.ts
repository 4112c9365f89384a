/**
 * Settings of what happens when a project run ends: who hears about a run that needs attention (webhook, e-mail)
 * and how long its history is kept. Read from the environment once when the worker starts; secrets stay in the
 * variables the settings name.
 */
import { z } from 'zod';
import { DEFAULT_RETENTION_DAYS } from '../checkpoint-store/config';
import { webUiUrlSchema } from '../config';

export const ALERT_ENV = {
  webhookUrl: 'P2C_ALERT_WEBHOOK_URL',
  emailTo: 'P2C_ALERT_EMAIL_TO',
  emailFrom: 'P2C_ALERT_EMAIL_FROM',
  smtpHost: 'P2C_SMTP_HOST',
  smtpPort: 'P2C_SMTP_PORT',
  smtpSecure: 'P2C_SMTP_SECURE',
  smtpUserEnv: 'P2C_SMTP_USER_ENV',
  smtpPasswordEnv: 'P2C_SMTP_PASSWORD_ENV',
  uiUrl: 'P2C_UI_URL',
  retentionDays: 'P2C_RETENTION_DAYS',
} as const;

export const DEFAULT_ALERT_SENDER = 'p2c-sync@localhost';
export const DEFAULT_SMTP_PORT = 587;

const envVarName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected the name of an environment variable (the secret itself stays there)');

/** Data Integrator's alert recipients: comma-separated addresses (groups are addresses too). */
const recipients = z
  .string()
  .transform((text) =>
    text
      .split(',')
      .map((address) => address.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.email('expected e-mail addresses separated by commas')).min(1, 'expected at least one address'));

export const alertSettingsSchema = z
  .object({
    webhookUrl: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
    email: z
      .object({
        /** Absent when the worker only provides the SMTP server for the recipients projects name. */
        to: recipients.optional(),
        from: z.email().default(DEFAULT_ALERT_SENDER),
        smtp: z.object({
          host: z.string().min(1, 'the SMTP host is required for e-mail alerts'),
          port: z.coerce.number().int().min(1).max(65535).default(DEFAULT_SMTP_PORT),
          /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
          secure: z
            .enum(['true', 'false'])
            .default('false')
            .transform((flag) => flag === 'true'),
          userEnv: envVarName.optional(),
          passwordEnv: envVarName.optional(),
        }),
      })
      .optional(),
    /** A project's own webhook, called as well as the worker's (never from the environment). */
    projectWebhookUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** Web UI base, so an alert links to the run. */
    uiUrl: webUiUrlSchema.optional(),
  })
  .refine((s) => !s.email?.smtp || !s.email.smtp.userEnv === !s.email.smtp.passwordEnv, {
    message: `${ALERT_ENV.smtpUserEnv} and ${ALERT_ENV.smtpPasswordEnv} go together`,
  });

export type AlertSettings = z.output<typeof alertSettingsSchema>;

export interface RunEndSettings {
  alerts: AlertSettings;
  /** Runs, failures and traces older than this are purged at the end of each project run. */
  retentionDays: number;
}

export class AlertConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const retentionSchema = z.coerce
  .number()
  .int('expected whole days')
  .min(DEFAULT_RETENTION_DAYS, `failures are kept at least ${DEFAULT_RETENTION_DAYS} days`)
  .default(DEFAULT_RETENTION_DAYS);

/** Reads the alert and retention settings; a wrong value throws one line naming the variable and the reason. */
export function loadRunEndSettings(env: NodeJS.ProcessEnv = process.env): RunEndSettings {
  const value = (name: keyof typeof ALERT_ENV) => {
    const text = env[ALERT_ENV[name]]?.trim();
    return text ? text : undefined;
  };
  const wantsEmail = value('emailTo') !== undefined || value('smtpHost') !== undefined;
  const raw = {
    webhookUrl: value('webhookUrl'),
    uiUrl: value('uiUrl'),
    email: wantsEmail
      ? {
          to: value('emailTo'),
          from: value('emailFrom'),
          smtp: {
            host: value('smtpHost') ?? '',
            port: value('smtpPort'),
            secure: value('smtpSecure'),
            userEnv: value('smtpUserEnv'),
            passwordEnv: value('smtpPasswordEnv'),
          },
        }
      : undefined,
  };
  const parsed = alertSettingsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AlertConfigError(`${envNameOf(issue.path)}: ${issue.message}`);
  }
  const retention = retentionSchema.safeParse(value('retentionDays'));
  if (!retention.success) {
    throw new AlertConfigError(
      `${ALERT_ENV.retentionDays}=${value('retentionDays')}: ${retention.error.issues[0].message}`,
    );
  }
  return { alerts: parsed.data, retentionDays: retention.data };
}

const ENV_BY_PATH: Record<string, keyof typeof ALERT_ENV> = {
  webhookUrl: 'webhookUrl',
  uiUrl: 'uiUrl',
  'email.to': 'emailTo',
  'email.from': 'emailFrom',
  'email.smtp.host': 'smtpHost',
  'email.smtp.port': 'smtpPort',
  'email.smtp.secure': 'smtpSecure',
  'email.smtp.userEnv': 'smtpUserEnv',
  'email.smtp.passwordEnv': 'smtpPasswordEnv',
};

function envNameOf(path: ReadonlyArray<PropertyKey>): string {
  const key = path.filter((p) => typeof p === 'string').join('.');
  const name = ENV_BY_PATH[key] ?? (key.startsWith('email.to') ? 'emailTo' : undefined);
  return name ? ALERT_ENV[name] : 'alert settings';
}

/** SMTP credentials from the variables the settings name; a named but unset variable is a configuration error. */
export function smtpCredentials(
  smtp: NonNullable<AlertSettings['email']>['smtp'],
  env: NodeJS.ProcessEnv = process.env,
): { user: string; pass: string } | undefined {
  if (!smtp.userEnv || !smtp.passwordEnv) return undefined;
  const user = env[smtp.userEnv];
  const pass = env[smtp.passwordEnv];
  for (const [name, text] of [
    [smtp.userEnv, user],
    [smtp.passwordEnv, pass],
  ] as const) {
    if (!text) throw new AlertConfigError(`environment variable ${name} (named for SMTP auth) is not set`);
  }
  return { user: user!, pass: pass! };
}

/** A project's own alert recipients and webhook (the project file's `alerts`). */
export interface ProjectAlerts {
  emailTo?: string[];
  webhookUrl?: string;
}

/**
 * The worker's alert settings with a project's added: its recipients join the worker's and its webhook is
 * called as well as the worker's. Recipients without an SMTP server on the worker are a configuration error that
 * names the fix.
 */
export function alertSettingsForProject(
  worker: AlertSettings,
  project: ProjectAlerts | undefined,
  projectName: string,
): AlertSettings {
  if (!project) return worker;
  if (project.emailTo && !worker.email) {
    throw new AlertConfigError(
      `project ${projectName} sends alerts to ${project.emailTo.join(', ')}, but this worker has no SMTP server: set ${ALERT_ENV.smtpHost}`,
    );
  }
  const to = [...new Set([...(worker.email?.to ?? []), ...(project.emailTo ?? [])])];
  return {
    ...worker,
    ...(worker.email ? { email: { ...worker.email, ...(to.length ? { to } : {}) } } : {}),
    ...(project.webhookUrl ? { projectWebhookUrl: project.webhookUrl } : {}),
  };
}
