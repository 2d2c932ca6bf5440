// End2end tests for Portico in Debian's headless Chromium.
//
// `cargo xtask test` starts a real `portico` on a free port with a fresh
// database and passes its URL in PORTICO_BASE_URL (and the database kind in
// PORTICO_E2E_DATABASE); the suite runs once per database.
import { defineConfig } from '@playwright/test';

const baseURL = process.env.PORTICO_BASE_URL ?? 'http://127.0.0.1:7007';
const database = process.env.PORTICO_E2E_DATABASE ?? 'sqlite';

export default defineConfig({
  testDir: './tests',
  outputDir: `./test-results/${database}`,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  // One retry, reported as "flaky" in the list: a slow moment on a 2-core CI
  // machine must not fail the build, and a flaky test stays visible.
  retries: 1,
  forbidOnly: !!process.env.CI,
  reporter: [['list'], ['html', { open: 'never', outputFolder: `./playwright-report/${database}` }]],
  use: {
    baseURL,
    browserName: 'chromium',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      // This machine has no network beyond loopback: keep Chromium from trying.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
  projects: [
    { name: 'desktop', use: { viewport: { width: 1280, height: 860 } }, grepInvert: /@phone/ },
    { name: 'phone', use: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }, grep: /@phone|@responsive/ },
  ],
});
