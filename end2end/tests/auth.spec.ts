// Identity in the browser: keyboard-only sign-in and sign-out, single
// sign-on through a real OpenID Connect provider, personal API tokens, and
// the admin pages (users, roles, audit log) with their 403 for members.
//
// `cargo xtask test` creates `e2e-admin` and `e2e-member` (password in
// PORTICO_E2E_PASSWORD) and runs oidc-provider beside Portico.
import { test, expect, type Page } from '@playwright/test';
import { expectAccessible, keepScreenshot, openHydrated, password, signIn, watchConsole } from './helpers';

/// Signs in through oidc-provider's own development login and consent pages.
async function oidcSignIn(page: Page, login: string, next: string) {
  await page.goto(`/sign-in?next=${encodeURIComponent(next)}`);
  await page.getByTestId('oidc-sign-in').click();
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('anything');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page).toHaveURL(next);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await page.getByTestId('user-menu').click();
}

test('sign in and out with the keyboard alone', async ({ page }) => {
  const errors = watchConsole(page);
  await page.goto('/sign-in?next=/catalog');
  // The username field has focus on arrival; Tab, type, Enter does the rest.
  await expect(page.getByLabel('Username or email')).toBeFocused();
  await page.keyboard.type('e2e-member');
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Password')).toBeFocused();
  await page.keyboard.type(password);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL('/catalog');
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');

  const menu = page.getByTestId('user-menu');
  await menu.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('signed-in-as')).toHaveText('e2e-member');
  await expect(page.getByTestId('admin-link')).toHaveCount(0);
  await page.getByTestId('sign-out').focus();
  await page.keyboard.press('Enter');
  // Guest mode is on in this suite, so signing out lands on the home page as a guest.
  await expect(page).toHaveURL('/');
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await page.getByTestId('user-menu').click();
  await expect(page.getByText('Read-only access')).toBeVisible();
  expect(errors).toEqual([]);
});

test('a wrong password is refused without saying which part was wrong', async ({ page }, testInfo) => {
  await page.goto('/sign-in');
  await page.getByLabel('Username or email').fill('e2e-nobody');
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByTestId('sign-in-error')).toHaveText('Wrong username or password.');
  await expect(page.getByLabel('Username or email')).toBeFocused();
  await expectAccessible(page, 'sign-in with an error');
  await keepScreenshot(page, testInfo, 'sign-in-error');
});

test('single sign-on through an OpenID Connect provider', async ({ page }) => {
  await oidcSignIn(page, 'olivia', '/docs');
  await expect(page.getByTestId('signed-in-as')).toHaveText('Olivia Oidc');
  await expect(page.getByText('olivia · Member')).toBeVisible();
});

test('single sign-on maps to the existing user with the same email', async ({ page }) => {
  await oidcSignIn(page, 'member', '/');
  await expect(page.getByTestId('signed-in-as')).toHaveText('e2e-member');
});

test('create an API token, see it once, use it, revoke it', async ({ page, request }, testInfo) => {
  const errors = watchConsole(page);
  await signIn(page, 'e2e-member', '/settings/tokens');
  const name = `ci-${Date.now()}`;
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Scope').selectOption('write');
  await page.getByRole('button', { name: 'Create token' }).click();
  const secret = (await page.getByTestId('new-token-value').textContent()) ?? '';
  expect(secret).toMatch(/^pt_[A-Za-z0-9_-]{43}$/);
  const row = page.getByTestId('token-row').filter({ hasText: name });
  await expect(row).toContainText('write');
  await expect(row).not.toContainText(secret);
  await expectAccessible(page, 'the token page');
  await keepScreenshot(page, testInfo, 'tokens');

  const me = await request.get('/api/auth/me', { headers: { Authorization: `Bearer ${secret}` } });
  expect(me.status()).toBe(200);
  expect((await me.json()).username).toBe('e2e-member');

  await row.getByRole('button', { name: `Revoke ${name}` }).click();
  await page.getByTestId('confirm-revoke').click();
  await expect(row).toContainText('revoked');
  const after = await request.get('/api/auth/me', { headers: { Authorization: `Bearer ${secret}` } });
  expect(after.status()).toBe(401);
  expect(errors).toEqual([]);
});

test('admins manage users and read the audit log', async ({ page }, testInfo) => {
  const errors = watchConsole(page);
  await signIn(page, 'e2e-admin', '/admin');
  await expect(page.getByRole('heading', { name: 'Admin' })).toBeVisible();
  const username = `temp-${Date.now()}`;
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Email').fill(`${username}@example.com`);
  await page.locator('input[name="password"]').fill('temporary password 1');
  await page.getByRole('button', { name: 'Add user' }).click();
  const row = page.getByTestId(`user-row-${username}`);
  await expect(row).toBeVisible();
  const saved = page.getByText(`Saved ${username}`);
  await row.getByLabel(`Role of ${username}`).selectOption('admin');
  await expect(saved).toHaveCount(1);
  const entity = row.getByLabel(`Catalog entity of ${username}`);
  await entity.fill('user:default/temp-person');
  await entity.press('Enter');
  await expect(saved).toHaveCount(2);
  await row.getByRole('button', { name: 'Disable' }).click();
  await expect(row).toContainText('disabled');
  await expect(row.getByLabel(`Catalog entity of ${username}`)).toHaveValue('user:default/temp-person');
  await expectAccessible(page, 'the admin users page');
  await keepScreenshot(page, testInfo, 'admin-users');

  await page.getByRole('link', { name: 'Audit log' }).click();
  await expect(page).toHaveURL('/admin/audit');
  await page.getByLabel('Who').fill('e2e-admin');
  await page.getByLabel('Action').selectOption('user.');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/actor=e2e-admin/);
  const rows = page.getByTestId('audit-row');
  await expect(rows.filter({ hasText: username }).filter({ hasText: 'user.disabled' })).toHaveCount(1);
  await expect(rows.filter({ hasText: username }).filter({ hasText: 'user.role_changed' })).toHaveCount(1);
  await expect(rows.filter({ hasText: username }).filter({ hasText: 'user.entity_linked' })).toHaveCount(1);
  await expectAccessible(page, 'the audit log');
  await keepScreenshot(page, testInfo, 'admin-audit');
  expect(errors).toEqual([]);
});

test('members get 403 on the admin pages', async ({ page }, testInfo) => {
  await signIn(page, 'e2e-member');
  const response = await page.goto('/admin');
  expect(response?.status()).toBe(403);
  await expect(page.getByTestId('forbidden')).toBeVisible();
  await keepScreenshot(page, testInfo, 'admin-forbidden');
});

for (const theme of ['light', 'dark'] as const) {
  test(`the sign-in page in the ${theme} theme @responsive`, async ({ page }, testInfo) => {
    await page.emulateMedia({ colorScheme: theme });
    await openHydrated(page, '/sign-in');
    await expect(page.getByTestId('oidc-sign-in')).toHaveText('Sign in with single sign-on');
    await expectAccessible(page, `sign-in (${theme})`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(page.viewportSize()?.width ?? 0);
    await keepScreenshot(page, testInfo, `sign-in-${theme}-${testInfo.project.name}`);
  });
}
