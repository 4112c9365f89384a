/**
 * Pre-flight, record trace and alerts against a real worker and seeded emulators: a quote with an unmapped unit is
 * refused before any write with a message naming the unit and the value map; `p2c check` reports the same without
 * writing; an account that failed and was then fixed shows both runs in its trace; every run that needs attention
 * reaches a local SMTP server and a webhook with its failure summary.
 */
import { checkProject } from '../../../client/preflight';
import { CliContext, type Output } from '../../../client/cli/context';
import { trace, type TracedRun } from '../../../client/cli/trace';
import { formatCheckReport } from '../../../client/cli/check';
import { ALERT_ENV, type RunAlert } from '../../../common/alerts';
import { parseProject } from '../../../mappings';
import { loadProject } from '../../../mappings/project-file';
import { EXAMPLE_PROJECT, startE2E, type E2E } from '../../support/e2e';
import {
  mailText,
  startLocalSmtp,
  startLocalWebhook,
  type LocalSmtp,
  type LocalWebhook,
} from '../../unit/alerts/local-servers';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { runP2c } from '../cli/p2c';

const TASKS = ['products', 'accounts', 'contactsToCustomers', 'quoteHeaders'];
const UI_URL = 'http://127.0.0.1:8233';

function capture(): Output & { text: string } {
  const out = { text: '', isTTY: false, write: (chunk: string) => void (out.text += chunk) };
  return out;
}

describe('pre-flight, trace and alerts', () => {
  let e2e: E2E;
  let smtp: LocalSmtp;
  let hook: LocalWebhook;
  /** The project file's own webhook, called besides the worker's. */
  let projectHook: LocalWebhook;
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    [smtp, hook, projectHook] = await Promise.all([startLocalSmtp(), startLocalWebhook(), startLocalWebhook()]);
    // The worker reads its alert settings from the environment when its activities are created.
    const env: Record<string, string> = {
      [ALERT_ENV.webhookUrl]: hook.url,
      [ALERT_ENV.emailTo]: 'ops@contoso.com',
      [ALERT_ENV.smtpHost]: '127.0.0.1',
      [ALERT_ENV.smtpPort]: String(smtp.port),
      [ALERT_ENV.uiUrl]: UI_URL,
    };
    for (const [name, value] of Object.entries(env)) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
    const project = parseProject({
      ...loadProject(EXAMPLE_PROJECT),
      alerts: { emailTo: ['sales-it@contoso.com'], webhookUrl: projectHook.url },
    });
    e2e = await startE2E({ seed: { accounts: 40, products: 20, quotes: 16, orders: 0, badRowShare: 0.1 } }, project);
  });

  afterAll(async () => {
    await e2e?.close();
    await Promise.all([smtp?.close(), hook?.close(), projectHook?.close()]);
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  const badRow = (kind: string) => {
    const row = e2e.stack.emulators.manifest!.badRows.find((b) => b.kind === kind);
    if (!row) throw new Error(`the seed planted no ${kind} row`);
    return row;
  };

  const quotationNumbers = async () => {
    const page = await e2e.stack.clients.fno.readPage('CDSSalesQuotationHeaders', {
      select: ['SalesQuotationNumber'],
      pageSize: 1000,
      dataAreaId: 'usmf',
    });
    return page.rows.map((r) => String(r.SalesQuotationNumber));
  };

  test('a quote with an unmapped unit is stopped before any write; check, trace and alerts tell what happened', async () => {
    const unitQuote = badRow('quote-unit-unmapped').key;
    const longName = badRow('account-name-too-long').key;
    const unitMessage = new RegExp(
      `unit "dozen" on line \\d+ of ${unitQuote} is not mapped: add it to valueMaps.salesUnits in .* or create the unit in F&O`,
    );

    // p2c check: the dry run reports the quote and writes nothing.
    const report = await checkProject(e2e.stack.clients, e2e.project, {
      tasks: ['quotes'],
      projectFile: EXAMPLE_PROJECT,
    });
    const checked = report.tasks.find((t) => t.task === 'quoteHeaders')!;
    const record = checked.withProblems.find((r) => r.key === unitQuote);
    expect(record?.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'unmapped-unit', message: expect.stringMatching(unitMessage) }),
      ]),
    );
    expect(record!.problems.find((p) => p.code === 'unmapped-unit')!.message).toContain(path.basename(EXAMPLE_PROJECT));
    expect(formatCheckReport(report)).toContain(`quoteHeaders@usmf ${unitQuote}:`);
    expect(await quotationNumbers()).toEqual([]);

    // A real run refuses the same quote in its saga and writes the others.
    const first = await e2e.run({ tasks: TASKS, mode: 'full' });
    const failures = await e2e.stack.store.listFailures(first.workflowId);
    const refused = failures.find((f) => f.sourceKey === unitQuote && f.code === 'unmapped-unit');
    expect(refused?.message).toMatch(unitMessage);
    const written = await quotationNumbers();
    expect(written.length).toBeGreaterThan(0);
    expect(written).not.toContain(unitQuote);

    // The alert of that run: e-mail and webhook, both with the failure summary.
    const alert = hook.bodies.find((b) => (b as RunAlert).runId === first.workflowId) as RunAlert | undefined;
    expect(alert).toEqual(
      expect.objectContaining({ kind: 'p2c-run-alert', outcome: first.summary.outcome, failureCount: failures.length }),
    );
    expect(alert!.reasons).toContain('warnings');
    expect(alert!.failures).toEqual(
      expect.arrayContaining([expect.objectContaining({ sourceKey: unitQuote, code: 'unmapped-unit' })]),
    );
    expect(alert!.workflowUrl).toBe(`${UI_URL}/namespaces/default/workflows/${encodeURIComponent(first.workflowId)}`);
    // The project file's webhook gets the same alert, and its recipient is on the same mail as the worker's.
    expect(projectHook.bodies.find((b) => (b as RunAlert).runId === first.workflowId)).toEqual(alert);
    const sent = smtp.mails.find((m) => mailText(m.raw).includes(first.workflowId));
    expect(sent?.to).toEqual(['ops@contoso.com', 'sales-it@contoso.com']);
    const mail = smtp.mails.map((m) => mailText(m.raw)).find((text) => text.includes(first.workflowId));
    expect(mail).toContain('Subject: [p2c] p2c-demo: CompletedWithWarnings');
    expect(mail).toMatch(
      new RegExp(`quoteLines ${unitQuote} \\[uomid\\] unmapped-unit: line ${unitQuote}/\\d+: unit "dozen"`),
    );
    expect(mail).toContain('quoteLines unmapped-unit: 1');
    expect(mail).toContain(`${longName} [name] value-too-long`);

    // The account with the over-long name failed; fixed in Sales, the next run writes it.
    const [fixed] = await e2e.stack.clients.dataverse.upsertBatch(
      [{ sourceKey: longName, entitySet: 'accounts', key: { accountnumber: longName }, fields: { name: 'Fabrikam' } }],
      { continueOnError: true },
    );
    expect(fixed.status).toBe('updated');
    const second = await e2e.run({ tasks: ['accounts'], mode: 'incremental' });
    expect(await e2e.stack.store.listFailures(second.workflowId)).toEqual([]);

    const out = capture();
    const ctx = new CliContext(
      { P2C_CHECKPOINT_STORE: path.join(e2e.tmp, 'checkpoints.sqlite'), P2C_UI_URL: UI_URL },
      out,
      capture(),
    );
    try {
      await trace(ctx, 'accounts', longName, { json: true });
    } finally {
      await ctx.close();
    }
    const runs = (JSON.parse(out.text) as { runs: TracedRun[] }).runs;
    expect(runs.map((r) => [r.runId, r.steps.map((s) => s.outcome)])).toEqual([
      [first.workflowId, ['failed']],
      [second.workflowId, ['created']],
    ]);
    expect(runs[0].steps[0].detail).toMatch(/^value-too-long: /);
    expect(runs[1].link).toBe(`${UI_URL}/namespaces/default/workflows/${encodeURIComponent(runs[1].workflowId)}`);
  });

  test('p2c check exits 2 and prints the report when a record would be refused, 0 when the task is clean', async () => {
    const conn = e2e.stack.emulators.connection;
    const caCertFile = path.join(e2e.tmp, 'emulator-ca.pem');
    fs.writeFileSync(caCertFile, conn.caCertPem);
    const side = (service: { url: string; resource: string }) => ({
      url: service.url,
      authority: conn.authority,
      clientId: conn.clientId,
      clientSecretEnv: 'P2C_TEST_EMULATOR_SECRET',
      scope: `${service.resource}/.default`,
      caCertFile,
    });
    const project = parse(fs.readFileSync(EXAMPLE_PROJECT, 'utf8')) as Record<string, unknown>;
    project.connection = { dataverse: side(conn.dataverse), fno: side(conn.fno) };
    const projectFile = path.join(e2e.tmp, 'check-project.json');
    fs.writeFileSync(projectFile, JSON.stringify(project));
    const env = { P2C_TEST_EMULATOR_SECRET: conn.clientSecret, P2C_PROJECT_FILE: projectFile };
    const unitQuote = badRow('quote-unit-unmapped').key;

    const refused = await runP2c(['check', '--task', 'quotes'], env);
    expect(refused.stderr).toBe('');
    expect(refused.code).toBe(2);
    expect(refused.stdout).toMatch(
      new RegExp(
        `unit "dozen" on line \\d+ of ${unitQuote} is not mapped: add it to valueMaps.salesUnits in ${projectFile}`,
      ),
    );
    expect(refused.stdout).toMatch(/quoteHeaders@usmf: \d+ checked, [1-9]\d* with problems/);

    const clean = await runP2c(['check', '--task', 'contactsToCustomers'], env);
    expect(clean.stdout).toMatch(/contactsToCustomers@usmf: [1-9]\d* checked, 0 with problems/);
    expect(clean.code).toBe(0);

    const unknown = await runP2c(['check', '--task', 'nonsense'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('p2c: unknown task "nonsense" in project p2c-demo');
  });
});
