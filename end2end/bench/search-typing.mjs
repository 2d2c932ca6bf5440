// As-you-type round trip in Debian's headless Chromium: from a key going
// down in the header search box to the dropdown showing the results for
// the text typed so far. Run by `cargo xtask bench`; prints one JSON line.
//
// PORTICO_BASE_URL: the server; PORTICO_BENCH_TERMS: a JSON array of words,
// typed one letter at a time, a little slower than a fast typist.
import { chromium } from '@playwright/test';

const base = process.env.PORTICO_BASE_URL ?? 'http://127.0.0.1:7007';
const terms = JSON.parse(process.env.PORTICO_BENCH_TERMS ?? '["payments"]');
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
try {
  const page = await browser.newPage();
  await page.goto(`${base}/catalog`);
  await page.waitForSelector('body[data-hydrated="true"]');
  await page.evaluate(() => {
    const box = document.getElementById('site-search');
    const popup = document.getElementById('search-popup');
    window.samples = [];
    let pending = null;
    box.addEventListener('keydown', () => { pending = performance.now(); }, true);
    new MutationObserver(() => {
      const list = document.getElementById('search-listbox');
      if (pending !== null && list && list.dataset.for === box.value) {
        window.samples.push(performance.now() - pending);
        pending = null;
      }
    }).observe(popup, { subtree: true, childList: true, attributes: true, characterData: true });
  });
  for (const term of terms) {
    await page.fill('#site-search', '');
    await page.focus('#site-search');
    for (const letter of term) {
      await page.keyboard.type(letter);
      await page.waitForTimeout(150);
    }
    await page.keyboard.press('Escape');
  }
  const samples = (await page.evaluate(() => window.samples)).sort((a, b) => a - b);
  const at = (q) => samples[Math.min(samples.length - 1, Math.ceil(samples.length * q) - 1)];
  console.log(JSON.stringify({ samples: samples.length, p50: at(0.5), p95: at(0.95), max: samples[samples.length - 1] }));
} finally {
  await browser.close();
}
