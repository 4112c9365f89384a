import { DEFAULT_RETENTION_DAYS } from '../../../common/checkpoint-store';
import {
  alertSettingsForProject,
  DEFAULT_SMTP_PORT,
  loadRunEndSettings,
  smtpCredentials,
} from '../../../common/alerts';

describe('loadRunEndSettings', () => {
  test('nothing configured: no channel and the default retention', () => {
    expect(loadRunEndSettings({})).toEqual({ alerts: {}, retentionDays: DEFAULT_RETENTION_DAYS });
  });

  test('refuses a Web UI address without http or https, which would make every alert link dead', () => {
    expect(() => loadRunEndSettings({ P2C_UI_URL: 'localhost:8233' })).toThrow(
      'P2C_UI_URL: must be an http:// or https:// address, e.g. http://localhost:8233',
    );
    expect(loadRunEndSettings({ P2C_UI_URL: 'https://temporal.contoso.com' }).alerts.uiUrl).toBe(
      'https://temporal.contoso.com',
    );
  });

  test('reads recipients, SMTP and the webhook from the environment', () => {
    const settings = loadRunEndSettings({
      P2C_ALERT_WEBHOOK_URL: 'https://hooks.example.com/p2c',
      P2C_ALERT_EMAIL_TO: 'ops@contoso.com, sales-it@contoso.com',
      P2C_SMTP_HOST: 'smtp.contoso.com',
      P2C_SMTP_USER_ENV: 'SMTP_USER',
      P2C_SMTP_PASSWORD_ENV: 'SMTP_PASS',
      P2C_RETENTION_DAYS: '120',
    });
    expect(settings.retentionDays).toBe(120);
    expect(settings.alerts.webhookUrl).toBe('https://hooks.example.com/p2c');
    expect(settings.alerts.email).toEqual({
      to: ['ops@contoso.com', 'sales-it@contoso.com'],
      from: 'p2c-sync@localhost',
      smtp: {
        host: 'smtp.contoso.com',
        port: DEFAULT_SMTP_PORT,
        secure: false,
        userEnv: 'SMTP_USER',
        passwordEnv: 'SMTP_PASS',
      },
    });
    expect(smtpCredentials(settings.alerts.email!.smtp, { SMTP_USER: 'u', SMTP_PASS: 'p' })).toEqual({
      user: 'u',
      pass: 'p',
    });
    expect(() => smtpCredentials(settings.alerts.email!.smtp, { SMTP_USER: 'u' })).toThrow(
      'environment variable SMTP_PASS (named for SMTP auth) is not set',
    );
  });

  test.each([
    [{ P2C_ALERT_EMAIL_TO: 'ops@contoso.com' }, 'P2C_SMTP_HOST: the SMTP host is required for e-mail alerts'],
    [{ P2C_ALERT_EMAIL_TO: 'ops@contoso.com, not-an-address', P2C_SMTP_HOST: 'h' }, 'P2C_ALERT_EMAIL_TO'],
    [{ P2C_ALERT_WEBHOOK_URL: 'ftp://x' }, 'P2C_ALERT_WEBHOOK_URL: expected an http(s) URL'],
    [{ P2C_RETENTION_DAYS: '30' }, 'P2C_RETENTION_DAYS=30: failures are kept at least 90 days'],
    [{ P2C_RETENTION_DAYS: 'soon' }, 'P2C_RETENTION_DAYS=soon'],
  ])('%j is refused naming the variable', (env, message) => {
    expect(() => loadRunEndSettings(env)).toThrow(message);
  });
});

describe('alertSettingsForProject', () => {
  const smtpOnly = loadRunEndSettings({ P2C_SMTP_HOST: 'smtp.contoso.com' }).alerts;

  test('a worker with only an SMTP server sends no e-mail by itself', () => {
    expect(smtpOnly.email).toEqual({
      from: 'p2c-sync@localhost',
      smtp: { host: 'smtp.contoso.com', port: DEFAULT_SMTP_PORT, secure: false },
    });
    expect(alertSettingsForProject(smtpOnly, undefined, 'contoso')).toBe(smtpOnly);
  });

  test("a project's recipients join the worker's and its webhook is added to the worker's", () => {
    const worker = loadRunEndSettings({
      P2C_ALERT_EMAIL_TO: 'ops@contoso.com',
      P2C_SMTP_HOST: 'smtp.contoso.com',
      P2C_ALERT_WEBHOOK_URL: 'https://hooks.example.com/ops',
    }).alerts;
    const merged = alertSettingsForProject(
      worker,
      { emailTo: ['sales-it@contoso.com', 'ops@contoso.com'], webhookUrl: 'https://hooks.example.com/sales' },
      'contoso',
    );
    expect(merged.email?.to).toEqual(['ops@contoso.com', 'sales-it@contoso.com']);
    expect(merged.email?.smtp.host).toBe('smtp.contoso.com');
    expect(merged.webhookUrl).toBe('https://hooks.example.com/ops');
    expect(merged.projectWebhookUrl).toBe('https://hooks.example.com/sales');
    expect(alertSettingsForProject(smtpOnly, { emailTo: ['a@contoso.com'] }, 'contoso').email?.to).toEqual([
      'a@contoso.com',
    ]);
  });

  test('project recipients on a worker without SMTP are refused naming the project and the variable', () => {
    expect(() => alertSettingsForProject({}, { emailTo: ['a@contoso.com'] }, 'contoso')).toThrow(
      'project contoso sends alerts to a@contoso.com, but this worker has no SMTP server: set P2C_SMTP_HOST',
    );
    expect(alertSettingsForProject({}, { webhookUrl: 'https://h.example.com/' }, 'contoso')).toEqual({
      projectWebhookUrl: 'https://h.example.com/',
    });
  });
});
