// Shared steps for the end2end suite.
import { expect, type Page, type TestInfo } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const database = process.env.PORTICO_E2E_DATABASE ?? 'sqlite';
export const databaseLabel = database === 'postgres' ? 'PostgreSQL' : 'SQLite';

/// Every page of the app shell, for the accessibility scan and screenshots.
export const pages = [
  { name: 'home', path: '/' },
  { name: 'home-system', path: '/?tab=system' },
  { name: 'catalog', path: '/catalog' },
  { name: 'create', path: '/create' },
  { name: 'docs', path: '/docs' },
  { name: 'not-found', path: '/no/such/page' },
  { name: 'catalog-filtered', path: '/catalog?kind=Component&lifecycle=production&sort=owner' },
  { name: 'entity-component', path: '/catalog/default/component/checkout-service' },
  { name: 'entity-api', path: '/catalog/default/api/payments-api' },
  { name: 'entity-group', path: '/catalog/default/group/team-payments' },
  { name: 'entity-user', path: '/catalog/default/user/jane.doe' },
  { name: 'catalog-health', path: '/catalog/health' },
  { name: 'search', path: '/search?q=payments' },
  { name: 'search-nothing', path: '/search?q=ldgr' },
];

/// The password `cargo xtask test` gives e2e-admin, e2e-member and e2e-owner.
export const password = process.env.PORTICO_E2E_PASSWORD ?? 'end2end password 2026';

/// Signs in with the form and lands, hydrated, on `next`.
export async function signIn(page: Page, login: string, next = '/') {
  await page.goto(`/sign-in?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Username or email').fill(login);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL(next);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
}

/// Opens a page and waits until the wasm app has hydrated it.
export async function openHydrated(page: Page, url: string) {
  await page.goto(url);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
}

/// Collects console errors (including CSP violations) while a test runs.
export function watchConsole(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && !/Failed to load resource: the server responded with a status of 404/.test(message.text())) {
      errors.push(message.text());
    }
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

/// Fails on any serious or critical accessibility violation.
export async function expectAccessible(page: Page, what: string) {
  const results = await new AxeBuilder({ page }).analyze();
  const blocking = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const report = blocking.map((v) => `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.map((n) => n.target.join(' ')).join('\n  ')}`);
  expect(report, `accessibility violations on ${what}`).toEqual([]);
}

/// Saves a full-page screenshot under end2end/screenshots/<database>/ and
/// attaches it to the report.
export async function keepScreenshot(page: Page, testInfo: TestInfo, name: string) {
  const dir = path.join(__dirname, '..', 'screenshots', database);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  await testInfo.attach(name, { path: file, contentType: 'image/png' });
}
