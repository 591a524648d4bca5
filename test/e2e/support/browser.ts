import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium (never a downloaded one), with the flags the build machines need. */
export const CHROMIUM = process.env.FP4LAB_CHROMIUM ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Everything the page reports as wrong: console errors (CSP violations land there too),
 * uncaught exceptions, failed requests. A suite asserts this stays empty.
 */
export function watchPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => {
    // A download's navigation is "aborted" by design; anything else failing is a bug.
    if (!r.failure()?.errorText.includes('ERR_ABORTED')) errors.push(`requestfailed: ${r.url()} ${r.failure()?.errorText}`);
  });
  return errors;
}
