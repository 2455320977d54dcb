// axe-core run inside the page a test has open, for the pages and emails a test looks at. The
// service's Content-Security-Policy forbids inline scripts, so such a page is opened in a context
// made with bypassCSP (browser.newContext({ bypassCSP: true })).
import axe from 'axe-core';
import type { Page } from 'playwright-core';

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/** The page's accessibility violations (WCAG 2.1 A and AA rules), each with the elements it found. */
export async function accessibilityViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ content: axe.source });
  const results = await page.evaluate(async () => {
    // The script tag above defines `axe` on the page's global object, which has no types here.
    const inPage = globalThis as unknown as { axe: typeof axe };
    return inPage.axe.run('html', { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
  });
  return results.violations.map((violation) => ({
    id: violation.id,
    impact: violation.impact ?? null,
    help: violation.help,
    targets: violation.nodes.map((node) => node.target.join(' ')),
  }));
}
