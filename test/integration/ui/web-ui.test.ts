/**
 * The demo's run as an operator finds it in the Temporal Web UI: a search-attribute query lists the project's
 * workflows (screenshot ui-query.png), one task workflow opens with its id and memo summary (ui-run.png).
 * Headless Chromium from the system package (`apt-get install chromium`), driven by playwright-core.
 * The screenshots go to a temporary directory; `P2C_UPDATE_SCREENSHOTS=1` writes them to docs/ instead, which is
 * how the README's pictures are refreshed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { freePort } from '../../../common/dev-server';
import { waitForLine } from '../../support/child-output';

const ROOT = path.resolve(__dirname, '../../..');
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT_DIR =
  process.env.P2C_UPDATE_SCREENSHOTS === '1'
    ? path.join(ROOT, 'docs')
    : fs.mkdtempSync(path.join(os.tmpdir(), 'p2c-screenshots-'));
const SCREENSHOT = path.join(SCREENSHOT_DIR, 'ui-run.png');
const QUERY_SCREENSHOT = path.join(SCREENSHOT_DIR, 'ui-query.png');
const ACCOUNTS = 60;
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe('Temporal Web UI shows the demo run', () => {
  let demo: ChildProcess | undefined;
  let browser: BrowserContext | undefined;
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'p2c-ui-'));
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'p2c-chromium-'));
  afterAll(async () => {
    await browser?.close();
    if (demo && demo.exitCode === null) {
      const exited = new Promise((resolve) => demo!.once('exit', resolve));
      demo.kill('SIGINT');
      await exited;
    }
    fs.rmSync(stateDir, { recursive: true, force: true });
    fs.rmSync(profileDir, { recursive: true, force: true });
  });

  test('a P2CProject query finds the run; a task workflow page shows its id and summary', async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
    const uiPort = await freePort();
    demo = spawn(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'client/demo.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        P2C_DEMO_TEMPORAL_PORT: String(await freePort()),
        P2C_DEMO_UI_PORT: String(uiPort),
        P2C_DEMO_ACCOUNTS: String(ACCOUNTS),
        P2C_STATE_DIR: stateDir,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [, runId] = await waitForLine(demo, /run started: (\S+)/, 120_000);
    await waitForLine(demo, /Temporal Web UI: (\S+)/, 150_000);
    const uiUrl = `http://localhost:${uiPort}`;
    const accountsId = runId.replace(/^(p2c\/[^/]+)\//, '$1/accounts/');

    browser = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: { width: 1440, height: 760 },
    });
    const page = browser.pages()[0] ?? (await browser.newPage());
    await page.goto(`${uiUrl}/namespaces/default/workflows?query=${encodeURIComponent('P2CProject="p2c-demo"')}`);
    const taskLink = page.locator(`a[href*="${encodeURIComponent(accountsId)}"]`).first();
    await taskLink.waitFor({ timeout: 60_000 });
    await page.getByText(runId, { exact: true }).first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: QUERY_SCREENSHOT });
    await taskLink.click();

    await page.getByText(accountsId).first().waitFor({ timeout: 30_000 });
    // The task's memo `summary` (outcome and counters) is on the workflow page's Memo tab.
    await page.locator('#memo-tab').click();
    await page
      .getByText(new RegExp(`accounts: Completed(WithWarnings)? — read ${ACCOUNTS},`))
      .first()
      .waitFor({ timeout: 30_000 });
    expect(await page.getByText(accountsId).count()).toBeGreaterThan(0);
    await page.screenshot({ path: SCREENSHOT });
    for (const file of [QUERY_SCREENSHOT, SCREENSHOT]) expect(fs.statSync(file).size).toBeGreaterThan(10_000);
  });
});
