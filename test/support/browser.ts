// The web portal's tests: the real service listening on a loopback port (mails link to its
// pages, as in production), and Debian's Chromium driven by playwright-core. Each person
// is a browser context of their own (own cookies). Every page a test opens records its
// console errors and failed requests; `done()` fails the test if there were any.
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startService, type TestService } from './service.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Where journeys write their screenshots (a few are copied to docs/screenshots/). */
export const SCREENSHOTS = join(root, '.cache', 'screenshots');

export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export interface PortalPage {
  page: Page;
  /** Console errors, page errors and failed requests seen so far. */
  problems: string[];
  /** Opens a path of the portal and waits for the page to have drawn its main heading. */
  open(path: string): Promise<void>;
  /** Waits until no loader is left on the page (sections fill in after their API answers; several may load at once). */
  settled(): Promise<void>;
  /** Saves a screenshot as `<name>.png` under SCREENSHOTS. */
  shot(name: string): Promise<string>;
  /** Logs this person in through the API (the cookie lands in their context), then the pages see them. */
  login(username: string, password: string): Promise<void>;
  /** Throws if the browser saw any problem. */
  done(): void;
}

export interface Portal {
  service: TestService;
  url: string;
  browser: Browser;
  /** A new person: a browser context with its own cookies. */
  person(options?: { viewport?: { width: number; height: number } }): Promise<PortalPage>;
  stop(): Promise<void>;
}

export async function startPortal(env: Record<string, string> = {}): Promise<Portal> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const service = await startService({ BASE_URL: url, ...env }, { links: 'service' });
  await service.app.listen({ port, host: '127.0.0.1' });
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
  const contexts: BrowserContext[] = [];
  mkdirSync(SCREENSHOTS, { recursive: true });

  const person: Portal['person'] = async (options = {}) => {
    const context = await browser.newContext({ baseURL: url, viewport: options.viewport ?? { width: 1280, height: 800 } });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const problems: string[] = [];
    page.on('console', (message) => { if (message.type() === 'error') problems.push(`console: ${message.text()}`); });
    page.on('pageerror', (error) => { problems.push(`page error: ${error.message}`); });
    page.on('requestfailed', (request) => {
      // A navigation away cancels what the old page was still loading: not a problem.
      if (request.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`);
    });
    return {
      page,
      problems,
      async open(path) {
        await page.goto(path);
        await page.getByRole('heading', { level: 1 }).first().waitFor();
      },
      async settled() {
        await page.waitForFunction(() => document.querySelector('[aria-label="Loading"]') === null);
      },
      async shot(name) {
        const file = join(SCREENSHOTS, `${name}.png`);
        await page.screenshot({ path: file, fullPage: true });
        return file;
      },
      async login(username, password) {
        const response = await page.request.post('/api/auth/', { data: { username, password } });
        if (!response.ok()) throw new Error(`login of ${username} answered ${response.status()}: ${await response.text()}`);
      },
      done() {
        if (problems.length) throw new Error(`The browser saw problems:\n${problems.join('\n')}`);
      },
    };
  };

  return {
    service,
    url,
    browser,
    person,
    async stop() {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser.close();
      await service.stop();
    },
  };
}
