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
    // An Api call the service refuses (a 4xx the UI turns into a sentence) is logged by the
    // browser itself; it is expected, not a fault of the page.
    const refusedApiCall = /^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text()) && /\/api\//.test(m.location().url);
    if (m.type() === 'error' && !refusedApiCall) errors.push(`console: ${m.text()}`);
    // React announces its development build; a production bundle never does.
    if (m.text().includes('React DevTools')) errors.push('console: the page runs a development build of React');
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => {
    // A download's navigation is "aborted" by design; anything else failing is a bug.
    if (!r.failure()?.errorText.includes('ERR_ABORTED')) errors.push(`requestfailed: ${r.url()} ${r.failure()?.errorText}`);
  });
  return errors;
}
