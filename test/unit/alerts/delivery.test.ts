import { ALERT_FAILURE_LIMIT, buildRunAlert, deliverAlert, type AlertSettings } from '../../../common/alerts';
import { digestFailures } from '../../../common/checkpoint-store';
import { emptyCounters } from '../../../common/sync-types';
import { mailText, startLocalSmtp, startLocalWebhook, type LocalSmtp, type LocalWebhook } from './local-servers';

const alert = buildRunAlert(
  {
    project: 'demo',
    runId: 'p2c/demo/20261125T120000Z',
    outcome: 'CompletedWithWarnings',
    startedAt: '2026-11-25T12:00:00.000Z',
    endedAt: '2026-11-25T12:01:00.000Z',
    tasks: [
      {
        task: 'quoteHeaders',
        partition: { dataAreaId: 'usmf', businessUnit: 'USMF' },
        outcome: 'CompletedWithWarnings',
        counters: { ...emptyCounters(), read: 2, created: 1, failed: 1 },
        failureCount: 1,
        startedAt: '2026-11-25T12:00:00.000Z',
        endedAt: '2026-11-25T12:01:00.000Z',
      },
    ],
  },
  digestFailures(
    [
      {
        task: 'quoteHeaders',
        sourceKey: 'QUO-7',
        field: 'uomid',
        code: 'unmapped-unit',
        message: 'unit "dozen" on line 3 of QUO-7 is not mapped',
      },
    ],
    ALERT_FAILURE_LIMIT,
  ),
)!;

describe('deliverAlert', () => {
  let smtp: LocalSmtp;
  let hook: LocalWebhook;
  beforeAll(async () => {
    [smtp, hook] = await Promise.all([startLocalSmtp(), startLocalWebhook()]);
  });
  afterAll(async () => {
    await Promise.all([smtp?.close(), hook?.close()]);
  });

  const settings = (): AlertSettings => ({
    webhookUrl: hook.url,
    email: {
      to: ['ops@contoso.com', 'sales-it@contoso.com'],
      from: 'p2c@contoso.com',
      smtp: { host: '127.0.0.1', port: smtp.port, secure: false },
    },
  });

  test('posts the JSON to the webhook and mails the failure summary to every recipient', async () => {
    await expect(deliverAlert(settings(), alert)).resolves.toEqual(['webhook', 'email']);
    expect(hook.bodies).toEqual([JSON.parse(JSON.stringify(alert))]);
    expect(smtp.mails).toHaveLength(1);
    const [mail] = smtp.mails;
    expect(mail.to).toEqual(['ops@contoso.com', 'sales-it@contoso.com']);
    expect(mail.from).toBe('p2c@contoso.com');
    const text = mailText(mail.raw);
    expect(text).toContain('Subject: [p2c] demo: CompletedWithWarnings (1 failure)');
    expect(text).toContain('QUO-7 [uomid] unmapped-unit: unit "dozen" on line 3 of QUO-7 is not mapped');
    expect(text).toContain('run-alert.json');
  });

  test('a webhook that refuses is reported with its status, and the e-mail still goes out', async () => {
    hook.status = 500;
    const before = smtp.mails.length;
    await expect(deliverAlert(settings(), alert)).rejects.toThrow(
      `webhook alert not delivered: ${hook.url} answered 500`,
    );
    expect(smtp.mails).toHaveLength(before + 1);
    hook.status = 204;
  });

  test("a project's webhook is called as well as the worker's; no recipients means no e-mail", async () => {
    const project = await startLocalWebhook();
    try {
      const { email } = settings();
      const withoutRecipients = { from: email!.from, smtp: email!.smtp };
      const mails = smtp.mails.length;
      await expect(
        deliverAlert({ webhookUrl: hook.url, projectWebhookUrl: project.url, email: withoutRecipients }, alert),
      ).resolves.toEqual(['webhook', 'project webhook']);
      expect(project.bodies).toEqual([JSON.parse(JSON.stringify(alert))]);
      expect(smtp.mails).toHaveLength(mails);
    } finally {
      await project.close();
    }
  });

  test('an unreachable SMTP server is reported with host and port', async () => {
    const closed = await startLocalSmtp();
    await closed.close();
    const email = { ...settings().email!, smtp: { host: '127.0.0.1', port: closed.port, secure: false } };
    await expect(deliverAlert({ email }, alert)).rejects.toThrow(`email alert not delivered: 127.0.0.1:${closed.port}`);
  });
});
