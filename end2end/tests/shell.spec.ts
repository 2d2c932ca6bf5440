// The app shell: home page with live server data, hydration, themes, 404,
// keyboard use, accessibility, the phone layout, and screenshots.
import { test, expect } from '@playwright/test';
import { database, databaseLabel, expectAccessible, keepScreenshot, openHydrated, pages, watchConsole } from './helpers';

test('the home page renders live status from the server', async ({ page }) => {
  const response = await page.goto('/');
  expect(response?.status()).toBe(200);
  await expect(page).toHaveTitle('Home · Portico');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Welcome to Portico');
  await expect(page.getByTestId('stat-database')).toContainText(databaseLabel);
  await expect(page.getByTestId('stat-schema')).toContainText('migration');
  await expect(page.getByRole('navigation', { name: 'Main', exact: true })).toBeVisible();
  // On a wide screen the phone menu button stays out of the way.
  await expect(page.getByTestId('nav-toggle')).toBeHidden();
});

test('after hydration a click calls a server function and the page updates', async ({ page }) => {
  const errors = watchConsole(page);
  await openHydrated(page, '/');
  await expect(page.getByTestId('check-count')).toHaveText('No checks yet');
  const call = page.waitForResponse((r) => r.url().endsWith('/api/fn/check_database') && r.status() === 200);
  await page.getByTestId('check-database').click();
  await call;
  await expect(page.getByTestId('check-count')).toHaveText('1 check');
  await expect(page.getByTestId('check-results').locator('li')).toHaveCount(1);
  await expect(page.getByTestId('toast')).toContainText(`${databaseLabel} answered in`);
  await page.getByTestId('check-database').click();
  await expect(page.getByTestId('check-count')).toHaveText('2 checks');
  // Uptime keeps counting in the browser.
  const uptime = page.getByTestId('stat-uptime');
  const before = await uptime.textContent();
  await expect(uptime).not.toHaveText(before ?? '', { timeout: 5_000 });
  expect(errors, 'console errors (a CSP violation would show here)').toEqual([]);
});

test('the theme follows the OS until chosen, and the choice survives a reload', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await openHydrated(page, '/');
  const html = page.locator('html');
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await expect(html).toHaveAttribute('data-theme', 'light');

  await page.getByTestId('theme-toggle').click();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await page.reload();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  expect(await page.evaluate(() => localStorage.getItem('portico-theme'))).toBe('dark');

  // Back to following the OS from the user menu.
  await openHydrated(page, '/');
  await page.getByTestId('user-menu').click();
  await page.getByTestId('theme-system').click();
  await expect(html).toHaveAttribute('data-theme', 'light');
  await page.reload();
  await expect(html).toHaveAttribute('data-theme', 'light');
});

test('an unknown address shows the 404 page with a way back', async ({ page }) => {
  const response = await page.goto('/no/such/page');
  expect(response?.status()).toBe(404);
  await expect(page.getByTestId('not-found')).toContainText('Page not found');
  await expect(page.getByTestId('not-found')).toContainText('/no/such/page');
  await page.getByRole('link', { name: 'Go to the home page' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Welcome to Portico');
});

test('everything in the shell works from the keyboard alone', async ({ page }) => {
  await openHydrated(page, '/');
  // The first Tab reaches the skip link, which moves focus to the content.
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/#main$/);

  // Tab to the Catalog link in the header and follow it.
  await page.locator('.brand').focus();
  await page.keyboard.press('Tab'); // Home
  await page.keyboard.press('Tab'); // Catalog
  await expect(page.getByRole('link', { name: 'Catalog', exact: true }).first()).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/catalog$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Catalog');

  // "/" jumps to search; Enter opens the results page.
  await page.locator('body').press('/');
  await expect(page.getByRole('combobox', { name: 'Search Portico' })).toBeFocused();
  await page.keyboard.type('payments');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/search\?q=payments$/);
  await expect(page.getByLabel('Search', { exact: true })).toHaveValue('payments');
  await expect(page.getByRole('link', { name: 'Payments gateway' })).toBeVisible();

  // Tabs switch by keyboard and live in the URL.
  await openHydrated(page, '/');
  await page.getByRole('tab', { name: 'System' }).focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\?tab=system$/);
  await expect(page.getByRole('tabpanel')).toContainText('Installation id');

  // The user menu opens with Enter and its dialog closes with Escape.
  await page.getByTestId('user-menu').focus();
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'About Portico' }).focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'About Portico' });
  await expect(dialog).toBeVisible();
  await expect(page.getByRole('button', { name: 'Close dialog' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
});

for (const theme of ['light', 'dark'] as const) {
  test(`every page passes the accessibility scan in the ${theme} theme, with screenshots @responsive`, async ({ page }, testInfo) => {
    test.setTimeout(180_000);
    await page.emulateMedia({ colorScheme: theme });
    for (const entry of pages) {
      await openHydrated(page, entry.path);
      await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
      await expect(page.locator('.skeleton')).toHaveCount(0);
      await expectAccessible(page, `${entry.path} (${theme}, ${testInfo.project.name})`);
      await keepScreenshot(page, testInfo, `${entry.name}-${theme}-${testInfo.project.name}`);
    }
  });
}

test('on a phone the navigation collapses into a menu @phone', async ({ page }) => {
  await openHydrated(page, '/');
  const desktopNav = page.getByRole('navigation', { name: 'Main', exact: true });
  await expect(desktopNav).toBeHidden();
  const toggle = page.getByTestId('nav-toggle');
  await expect(toggle).toBeVisible();
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  const mobileNav = page.getByRole('navigation', { name: 'Main (mobile)' });
  await expect(mobileNav).toBeVisible();
  await mobileNav.getByRole('link', { name: 'Docs' }).click();
  await expect(page).toHaveURL(/\/docs$/);
  await expect(mobileNav).toBeHidden();
  // Nothing overflows sideways.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
});

test('pages carry the security headers and a nonce-based policy', async ({ page }) => {
  const response = await page.goto('/');
  const headers = response?.headers() ?? {};
  expect(headers['content-security-policy']).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9]+' 'wasm-unsafe-eval'/);
  expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
  expect(headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  test.info().annotations.push({ type: 'database', description: database });
});
