// The catalog in the browser, on the demo catalog (Fernhill Cycles): the
// table with facets, text filter and sorting (state in the URL), the entity
// page with its relation graph and API definition, starring and refreshing
// as an owner, registering a new location, and the health page.
//
// `e2e-owner` is the demo catalog's Jane Doe (matched by email), a member of
// team-platform, which owns identity-service.
import { test, expect } from '@playwright/test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expectAccessible, keepScreenshot, openHydrated, signIn, watchConsole } from './helpers';

test('facets, the text filter and sorting narrow the table, with every choice in the URL', async ({ page }) => {
  const errors = watchConsole(page);
  await openHydrated(page, '/catalog');
  await expect(page.getByRole('status').filter({ hasText: /of \d+/ })).toContainText(/1–25 of \d+/);
  await page.getByTestId('facet-kind-Component').click();
  await expect(page).toHaveURL(/kind=Component/);
  await expect(page.getByRole('status').filter({ hasText: /of/ })).toHaveText('1–19 of 19');
  await expect(page.getByTestId('facet-kind-Component')).toHaveAttribute('aria-checked', 'true');
  // Counts follow the filters: 1 experimental component.
  await expect(page.getByTestId('facet-lifecycle-experimental')).toContainText('1');
  await page.getByTestId('facet-lifecycle-production').click();
  await expect(page).toHaveURL(/lifecycle=production/);
  await expect(page.getByRole('status').filter({ hasText: /of/ })).toHaveText('1–17 of 17');
  // The text filter keeps the facets.
  const filter = page.getByLabel('Filter the catalog');
  await filter.fill('payments');
  await filter.press('Enter');
  await expect(page).toHaveURL(/q=payments/);
  await expect(page).toHaveURL(/kind=Component/);
  await expect(page.getByRole('link', { name: 'Payments gateway' })).toBeVisible();
  // Sorting by owner, then back.
  await page.goto('/catalog?kind=Component&sort=name&dir=desc');
  await expect(page.locator('th[aria-sort="descending"]')).toHaveText(/Name/);
  const names = await page.locator('.entity-link').allTextContents();
  expect(names[0]).toBe('Web shop');
  expect(errors).toEqual([]);
});

test('the catalog works with the keyboard alone', async ({ page }) => {
  await openHydrated(page, '/catalog');
  await page.getByLabel('Filter the catalog').focus();
  await page.keyboard.type('ledger');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/q=ledger/);
  const link = page.getByRole('link', { name: 'Ledger', exact: true });
  await link.focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL('/catalog/default/component/ledger');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Ledger');
});

test('an entity page shows owner, system, domain, links, relations and where it came from', async ({ page }, testInfo) => {
  await openHydrated(page, '/catalog/default/component/payments-gateway');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Payments gateway');
  await expect(page.getByRole('link', { name: 'Payments', exact: true }).first()).toHaveAttribute('href', '/catalog/default/group/team-payments');
  await expect(page.locator('.facts').first()).toContainText('Domain');
  await expect(page.getByRole('link', { name: /On-call/ })).toHaveAttribute('href', /pagerduty/);
  await expect(page.locator('dd', { hasText: /catalog\/services\/components\.yaml/ })).toBeVisible();
  // The graph: a node per related entity, each a link; the legend hides a type.
  const graph = page.locator('.graph');
  await expect(graph.locator('a.graph-node')).not.toHaveCount(0);
  const toggle = graph.getByRole('button', { name: /Provides APIs/ });
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-pressed', 'false');
  await expect(graph.locator('a.graph-node[style*="hidden"]')).not.toHaveCount(0);
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-pressed', 'true');
  // Graph nodes are links, reachable and followed with the keyboard.
  await graph.getByRole('link', { name: 'Payments API' }).focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL('/catalog/default/api/payments-api');
  await expect(page.getByRole('heading', { name: /Definition/ })).toBeVisible();
  await expect(page.locator('.code-block .tok-key').first()).toBeVisible();
  await keepScreenshot(page, testInfo, `entity-api-definition-${testInfo.project.name}`);
});

test('owners star and refresh what their team owns; others cannot refresh it', async ({ page }) => {
  await signIn(page, 'e2e-owner', '/catalog/default/component/identity-service');
  const star = page.getByRole('button', { name: 'Star' });
  await star.click();
  await expect(page.getByRole('button', { name: 'Starred' })).toHaveAttribute('aria-pressed', 'true');
  await page.getByRole('button', { name: 'Refresh' }).click();
  await expect(page.getByTestId('toast')).toContainText('Refreshed from its source');
  await page.goto('/catalog?starred=1');
  await expect(page.getByRole('link', { name: 'Identity service' })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: /of/ })).toHaveText('1–1 of 1');
  await page.goto('/catalog?mine=1');
  await expect(page.getByRole('link', { name: 'Service kit' })).toBeVisible();
  await page.goto('/catalog/default/component/ledger');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Ledger');
  await expect(page.getByRole('button', { name: 'Refresh' })).toHaveCount(0);
});

test('register an existing component: preview with its problems, then import', async ({ page }, testInfo) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-register-'));
  const file = path.join(dir, 'catalog-info.yaml');
  const name = `bike-fitter-${testInfo.project.name}-${Date.now()}`;
  fs.writeFileSync(
    file,
    `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${name}\n  title: Bike fitter\nspec:\n  type: service\n  lifecycle: experimental\n  owner: team-storefront\n---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: broken-${name}\nspec:\n  type: service\n`,
  );
  await signIn(page, 'e2e-member', '/catalog/register');
  await page.getByLabel('Type').selectOption('file');
  await page.getByLabel('Target').fill(file);
  await page.getByRole('button', { name: 'Preview' }).click();
  const preview = page.getByRole('region', { name: 'What would be imported' }).or(page.locator('.card', { hasText: 'What would be imported' }));
  await expect(preview).toContainText('Bike fitter');
  await expect(preview.getByRole('alert')).toContainText('document 2');
  await expect(preview.getByRole('alert')).toContainText('spec.lifecycle');
  await keepScreenshot(page, testInfo, `register-preview-${testInfo.project.name}`);
  await page.getByRole('button', { name: 'Import' }).click();
  await expect(page.getByText('Registered. Portico reads this location again on every refresh.')).toBeVisible();
  await page.getByRole('link', { name: 'Bike fitter' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Bike fitter');
  await expectAccessible(page, 'a newly registered entity');
});

test('the health page lists locations and their problems', async ({ page }) => {
  await openHydrated(page, '/catalog/health');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Catalog health');
  const demo = page.locator('.location-card', { hasText: 'catalog/all.yaml' });
  await expect(demo).toContainText('ok');
  await expect(demo).toContainText(/\d+ entities/);
});
