// Debian's Chromium driven by playwright-core (from web/node_modules), the one way browser tests
// start it: headless, never downloading a browser of its own, and with the flags that keep it
// off the network (background updates, QUIC, sync). Also the checks that the UI was built.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { repoRoot, strongPassword } from './tetherd.mjs';

export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const artifactsDir = path.join(repoRoot, 'tests', 'e2e', 'artifacts');
const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync'];

function loadPlaywright() {
  const require = createRequire(path.join(repoRoot, 'web', 'package.json'));
  try {
    return require('playwright-core');
  } catch (err) {
    throw new Error(`playwright-core not found in web/node_modules; run: cd web && npm ci (${err.message})`);
  }
}

export function assertUiBuilt() {
  assert.ok(fs.existsSync(path.join(repoRoot, 'web', 'dist', 'index.html')),
    'web/dist/index.html missing; run: cd web && npm ci && npm run build');
}

// A browser with a fresh temporary profile; contexts made from it share nothing.
export function launchChromium() {
  return loadPlaywright().chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
}

// One browser context whose profile lives in `profileDir` (made fresh by the caller).
export function launchChromiumProfile(profileDir, options = {}) {
  return loadPlaywright().chromium.launchPersistentContext(profileDir, {
    executablePath: chromiumPath, headless: true, args: chromiumArgs, ...options,
  });
}

// A new browser context (its own cookies) logged in to the control panel as `username`; page
// errors are collected in `problems` so a test can require that there were none.
export async function loggedInPage(browser, server, username, { password = strongPassword, timeout = 15000 } = {}) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  context.setDefaultTimeout(timeout);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  await page.goto(new URL('/login', server.baseUrl).href);
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((u) => u.pathname === '/', { timeout });
  await page.getByRole('tab', { name: 'Support' }).waitFor();
  return { context, page, problems };
}

// For a user without the rights an administration page needs: the panel shows no link to it,
// and the page itself, opened by its address, shows the server's refusal.
export async function assertPageRefused(browser, server, username, { link, path, timeout = 15000 }) {
  const { context, page } = await loggedInPage(browser, server, username, { timeout });
  try {
    assert.equal(await page.getByRole('link', { name: link }).count(), 0);
    await page.goto(new URL(path, server.baseUrl).href);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.textContent(), /permission|forbidden|not allowed/i);
  } finally {
    await context.close();
  }
}

// The end of a browser test file: the browser closed, the server stopped and its data removed.
export async function closeBrowserAndServer(browser, server) {
  await browser?.close().catch(() => {});
  if (server) {
    await server.stop();
    fs.rmSync(server.dataDir, { recursive: true, force: true });
  }
}
