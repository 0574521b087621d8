// Browser end-to-end test of an access (unattended) agent: the administrator builds the installer
// on the control panel's Access tab in Debian's Chromium (the real download), the real
// tether-agent installs it under a private --root and runs as `service` on an Xvfb display, the
// access session shows Online on the Access tab, and Join shows the machine's screen without any
// consent question.
//
//   node --test --test-concurrency=1 tests/e2e/access.test.mjs
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { login, setupAdmin, startTetherd, strongPassword, tempDir } from '../lib/tetherd.mjs';
import { install, signingKeyOf, startService } from '../lib/access.mjs';
import { assertUiBuilt, launchChromiumProfile } from '../lib/browser.mjs';
import { startXvfb } from '../lib/xvfb.mjs';

const SCREEN = { width: 800, height: 600 };
const NAME = 'Kiosk in the lobby';
const TIMEOUT = 20000;

test('an administrator builds an installer in the panel and joins the access agent in the browser', async () => {
  assertUiBuilt();
  const cleanups = [];
  try {
    const x = await startXvfb(SCREEN);
    cleanups.push(() => x.stop());
    x.run('xterm', ['-geometry', '60x12+10+10']);
    const server = await startTetherd();
    cleanups.push(() => server.stop());
    await setupAdmin(server);
    await login(server, 'admin', strongPassword);
    const dir = tempDir('tether-e2e-access-');
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));

    const context = await launchChromiumProfile(path.join(dir, 'profile'), {
      ignoreHTTPSErrors: true, acceptDownloads: true, viewport: { width: 1280, height: 900 },
    });
    cleanups.push(() => context.close());
    const page = context.pages()[0] ?? await context.newPage();
    await page.goto(new URL('/login', server.baseUrl).href);
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password', { exact: true }).fill(strongPassword);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL((u) => u.pathname === '/');

    // Build the installer on the Access tab: the browser downloads the signed file.
    await page.getByRole('tab', { name: 'Access' }).click();
    await page.getByLabel('Machine name').fill(NAME);
    await page.getByLabel('Company').fill('Acme');
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: TIMEOUT }),
      page.getByRole('button', { name: 'Build installer' }).click(),
    ]);
    assert.match(download.suggestedFilename(), /^tether-access-[A-Za-z0-9_-]+\.tether$/);
    const file = path.join(dir, download.suggestedFilename());
    await download.saveAs(file);
    await page.getByText(/sudo tether-agent install --config tether-access-/).waitFor({ timeout: TIMEOUT });

    // The machine installs it and runs the agent.
    const root = path.join(dir, 'root');
    const installed = await install(file, root, x.display, await signingKeyOf(server));
    assert.equal(installed.code, 0, installed.stderr + installed.stdout);
    const agent = startService(root);
    cleanups.push(() => agent.stop());

    // The Access tab lists it online (the list reloads on a tab change).
    const row = page.getByRole('row').filter({ hasText: NAME });
    const deadline = Date.now() + TIMEOUT;
    while (!(await row.filter({ hasText: 'Guest connected' }).count())) {
      assert.ok(Date.now() < deadline, `the access session never showed online:\n${agent.output}`);
      await page.getByRole('tab', { name: 'Support' }).click();
      await page.getByRole('tab', { name: 'Access' }).click();
      await page.waitForTimeout(300);
    }
    assert.match(await row.textContent(), /Acme/);

    // Its details show a live thumbnail of the machine's screen (access: no consent needed).
    await row.getByRole('button', { name: NAME }).click();
    await page.waitForFunction(() => {
      const img = document.querySelector('.detail .thumbnail img');
      return img instanceof HTMLImageElement && img.complete && img.naturalWidth === 240 && img.naturalHeight === 180;
    }, null, { timeout: TIMEOUT });
    await page.getByRole('button', { name: 'Close details' }).click();

    // Join: the screen arrives without a consent question (administrator, access session).
    await row.getByRole('button', { name: 'Join' }).click();
    await page.waitForURL((u) => /^\/sessions\/[A-Za-z0-9_-]+\/view$/.test(u.pathname));
    await page.waitForFunction(({ w, h }) => {
      const c = document.getElementById('screen');
      const status = document.querySelector('[data-testid=viewer-status]');
      return status?.textContent === 'Connected' && c && Number(c.dataset.frames) >= 1 &&
        Number(c.dataset.width) === w && Number(c.dataset.height) === h;
    }, { w: SCREEN.width, h: SCREEN.height }, { timeout: TIMEOUT });
  } finally {
    for (const c of cleanups.reverse()) {
      try { await c(); } catch (err) { console.log(`cleanup: ${err.message}`); }
    }
  }
});
