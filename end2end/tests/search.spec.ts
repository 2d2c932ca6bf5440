// Search in the browser, on the demo catalog (Fernhill Cycles): the header
// box with the keyboard alone (`/` and Ctrl-K, results as you type grouped
// by what they are, arrows, Enter, Escape), the results page with facets,
// counts and paging in the URL, "did you mean", and "Services you may need"
// on an entity page.
import { test, expect } from '@playwright/test';
import { expectAccessible, keepScreenshot, openHydrated, watchConsole } from './helpers';

test('the header search works with the keyboard alone', async ({ page }, testInfo) => {
  const errors = watchConsole(page);
  await openHydrated(page, '/catalog');
  const box = page.getByRole('combobox', { name: 'Search Portico' });
  // `/` focuses the box from anywhere on the page.
  await page.locator('body').press('/');
  await expect(box).toBeFocused();
  // A typo still finds the payments services, grouped by what they are.
  await page.keyboard.type('paymnets');
  const popup = page.locator('#search-popup');
  await expect(popup).toBeVisible();
  await expect(box).toHaveAttribute('aria-expanded', 'true');
  await expect(popup.getByRole('group', { name: 'Services and components' })).toContainText('Payments gateway');
  await expect(popup.getByRole('group', { name: 'APIs' })).toContainText('Payments API');
  await expect(popup.locator('mark').first()).toBeVisible();
  await keepScreenshot(page, testInfo, `search-dropdown-${testInfo.project.name}`);
  // Down selects the first result; Enter opens it.
  await page.keyboard.press('ArrowDown');
  const first = popup.getByRole('option').first();
  await expect(first).toHaveAttribute('aria-selected', 'true');
  await expect(box).toHaveAttribute('aria-activedescendant', 'search-option-0');
  const href = await first.getAttribute('href');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(href!);
  await expect(popup).toBeHidden();

  // Ctrl-K focuses it too; Escape closes the list and keeps the text.
  await page.keyboard.press('Control+k');
  await expect(box).toBeFocused();
  await page.keyboard.type('chec');
  await expect(popup.getByRole('option', { name: /Checkout service/ })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(popup).toBeHidden();
  await expect(box).toHaveValue('chec');
  // Up from nothing wraps to "see all results"; Enter opens the results page.
  await page.keyboard.press('ArrowUp');
  await expect(popup.locator('.search-option-all')).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL('/search?q=chec');
  await expect(page.getByRole('link', { name: 'Checkout service' })).toBeVisible();
  expect(errors).toEqual([]);
});

test('the results page has facets with counts and paging, all in the URL', async ({ page }) => {
  const errors = watchConsole(page);
  await openHydrated(page, '/search?q=payments');
  const count = page.locator('.results-count');
  await expect(count).toContainText(/^1–\d+ of \d+$/);
  const apis = page.getByTestId('search-facet-kind-API');
  const apiCount = Number(await apis.locator('.facet-count').textContent());
  expect(apiCount).toBeGreaterThan(0);
  await apis.click();
  await expect(page).toHaveURL(/kind=API/);
  await expect(count).toHaveText(`1–${apiCount} of ${apiCount}`);
  await expect(page.getByTestId('search-facet-kind-API')).toHaveAttribute('aria-checked', 'true');
  for (const badge of await page.locator('.search-result .badge').first().allTextContents()) {
    expect(badge).toBe('API');
  }
  // Paging: everything, 25 to a page.
  await openHydrated(page, '/search?q=');
  await expect(count).toContainText(/^1–25 of \d+$/);
  await page.getByRole('link', { name: 'Next' }).click();
  await expect(page).toHaveURL(/page=2/);
  await expect(count).toContainText(/^26–/);
  expect(errors).toEqual([]);
});

test('no results suggest the nearest names', async ({ page }) => {
  await openHydrated(page, '/search?q=ldgr');
  await expect(page.getByRole('heading', { name: 'No results for “ldgr”' })).toBeVisible();
  await page.getByRole('link', { name: 'ledger' }).click();
  await expect(page).toHaveURL('/catalog/default/component/ledger');
});

test('an entity page suggests the services similar components use', async ({ page }) => {
  await openHydrated(page, '/catalog/default/component/checkout-service');
  const section = page.getByRole('region', { name: 'Services you may need' });
  await expect(section).toBeVisible();
  await expect(section.getByRole('link', { name: 'Product catalog API' })).toBeVisible();
  await expect(section).toContainText('same system');
  await expectAccessible(page, 'entity page with suggestions');
});
