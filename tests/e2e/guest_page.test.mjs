// Browser end-to-end test of the guest page: a visitor goes from the login page to "Join a
// support session", types the code, and the browser downloads the signed configuration; the real
// tether-agent runs that very file (trusting the key the server published) and joins the session.
// Drives Debian's Chromium through playwright-core against a real tetherd.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  login, request, setupAdmin, spawnAgent, startTetherd, strongPassword, tempDir,
} from '../lib/tetherd.mjs';
import { artifactsDir, assertUiBuilt, launchChromium } from '../lib/browser.mjs';
import { startXvfb } from '../lib/xvfb.mjs';

const STEP_TIMEOUT = 15000;

let server, browser, x, dir;

before(async () => {
  assertUiBuilt();
  server = await startTetherd();
  await setupAdmin(server);
  x = await startXvfb({ width: 800, height: 600 });
  dir = tempDir('tether-e2e-guest-');
  browser = await launchChromium();
});

after(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
  await x?.stop();
  if (server) fs.rmSync(server.dataDir, { recursive: true, force: true });
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('a guest downloads the signed configuration from the guest page and the agent joins with it', { timeout: 120000 }, async () => {
  const auth = await login(server, 'admin', strongPassword);
  const created = await request(server, 'POST', '/api/v1/sessions', {
    headers: { cookie: auth.cookie, 'x-csrf-token': auth.csrf }, body: { type: 'support', name: 'Printer at reception' },
  });
  const session = created.json.session;
  const key = (await request(server, 'GET', '/api/v1/guest/signing-key')).json.public_key;

  const context = await browser.newContext({ ignoreHTTPSErrors: true, acceptDownloads: true });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(e.message));
  try {
    const base = `https://127.0.0.1:${server.webPort}`;
    await page.goto(`${base}/login`);
    await page.getByRole('link', { name: 'Join a support session' }).click();
    await page.waitForURL((u) => u.pathname === '/guest', { timeout: STEP_TIMEOUT });
    await page.getByRole('heading', { name: 'Join a support session' }).waitFor({ timeout: STEP_TIMEOUT });
    assert.match(await page.textContent('main'), /ask for your permission before they can see your screen/);

    // No code, then a wrong one: plain words, no download.
    await page.getByRole('button', { name: 'Download my connection file' }).click();
    await page.getByRole('alert').getByText('Enter the code your technician gave you.').waitFor({ timeout: STEP_TIMEOUT });
    await page.fill('#code', '000000');
    await page.getByRole('button', { name: 'Download my connection file' }).click();
    await page.getByRole('alert').getByText(/No open support session has this code/).waitFor({ timeout: STEP_TIMEOUT });

    // The right code, typed with a space: one click, one download.
    await page.fill('#code', `${session.code.slice(0, 3)} ${session.code.slice(3)}`);
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: STEP_TIMEOUT }),
      page.getByRole('button', { name: 'Download my connection file' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), `tether-${session.id}.tether`);
    const file = path.join(dir, download.suggestedFilename());
    await download.saveAs(file);
    await page.getByRole('heading', { name: 'Your file is ready' }).waitFor({ timeout: STEP_TIMEOUT });
    const text = await page.textContent('main');
    assert.match(text, /Printer at reception/);
    assert.ok(text.includes(`tether-agent run --config ~/Downloads/tether-${session.id}.tether`), text);
    assert.match(text, /Nobody sees your screen until you allow it/);
    assert.deepEqual(problems, []);

    const envelope = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.equal(envelope.format, 'tether-agent-config/1');
    assert.equal(envelope.key, key);

    // The very file the browser saved, run by the real agent.
    const agent = spawnAgent(['--display', x.display, 'run', '--config', file, '--trust-key', key],
      { env: { TETHER_AGENT_TRUST: '' } });
    try {
      await agent.waitFor(/joined through tetherd/);
      // The relay writes its events in the background: wait for the guest's arrival.
      let kinds = [];
      for (const until = Date.now() + 5000; Date.now() < until && !kinds.includes('guest_connected');) {
        const events = await request(server, 'GET', `/api/v1/sessions/${session.id}/events`, { headers: { cookie: auth.cookie } });
        kinds = events.json.events.map((e) => e.kind);
        if (!kinds.includes('guest_connected')) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(kinds.indexOf('guest_config_issued') >= 0 && kinds.indexOf('guest_config_issued') < kinds.indexOf('guest_connected'),
        kinds.join(','));
    } finally {
      await agent.stop();
    }
  } catch (err) {
    fs.mkdirSync(artifactsDir, { recursive: true });
    await page.screenshot({ path: path.join(artifactsDir, 'guest_page-failure.png') }).catch(() => {});
    throw err;
  } finally {
    await context.close();
  }
});
