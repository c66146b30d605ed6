// Browser-test harness: Debian Chromium driven by playwright-core (design.md §7), on a fresh
// profile, with everything the page reports collected for the suite to assert on: console
// errors/warnings, uncaught page errors, CSP violations, dialogs, HTTP responses ≥ 400 and the
// htmx SSE connection events.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export interface ConsoleEntry {
  type: string
  text: string
  url: string
  pageUrl: string
}

export interface CspViolation {
  directive: string
  blocked: string
  sample: string
  source: string
  line: number
  pageUrl: string
}

export interface Diagnostics {
  console: ConsoleEntry[]
  pageErrors: string[]
  csp: CspViolation[]
  dialogs: { type: string; message: string }[]
  /** Every response with status ≥ 400 (method, path, status), in order. */
  httpErrors: { method: string; path: string; status: number }[]
  /** Requests that never got a response (aborted, refused), other than the SSE stream. */
  failedRequests: { method: string; url: string; failure: string }[]
}

export interface BrowserSession {
  context: BrowserContext
  page: Page
  diagnostics: Diagnostics
  profileDir: string
  close(): Promise<void>
}

// Runs in every document before its own scripts. Reports CSP violations to the test process
// through an exposed binding (survives navigations; a window variable would not), and counts the
// htmx SSE extension's connection events on window for the page to be polled.
const INIT_SCRIPT = `(() => {
  window.__kq = { sseConnected: 0, sseErrors: 0, sseMessages: 0 };
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__kqReport?.({ kind: 'csp', directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample, source: e.sourceFile, line: e.lineNumber });
  }, true);
  document.addEventListener('htmx:sse:after:connection', () => { window.__kq.sseConnected++ });
  document.addEventListener('htmx:sse:error', () => { window.__kq.sseErrors++ });
  document.addEventListener('htmx:sse:after:message', () => { window.__kq.sseMessages++ });
})()`

export async function launchBrowser(o: { locale?: string } = {}): Promise<BrowserSession> {
  // A fresh user-data dir per run: no cookies, cache or service workers from anything before.
  const profileDir = mkdtempSync(join(tmpdir(), 'kumquat-chromium-'))
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
    locale: o.locale,
  })
  const diagnostics: Diagnostics = { console: [], pageErrors: [], csp: [], dialogs: [], httpErrors: [], failedRequests: [] }

  await context.exposeBinding('__kqReport', ({ page }, report: Omit<CspViolation, 'pageUrl'> & { kind: string }) => {
    if (report.kind === 'csp') {
      const { kind: _k, ...v } = report
      diagnostics.csp.push({ ...v, pageUrl: page?.url() ?? '' })
    }
  })
  await context.addInitScript({ content: INIT_SCRIPT })

  const page = context.pages()[0] ?? (await context.newPage())
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') diagnostics.console.push({ type: m.type(), text: m.text(), url: m.location().url, pageUrl: page.url() })
  })
  page.on('pageerror', (e) => diagnostics.pageErrors.push(`${e.name}: ${e.message}`))
  page.on('dialog', (d) => {
    diagnostics.dialogs.push({ type: d.type(), message: d.message() })
    // hx-confirm asks with window.confirm: say yes. Anything else (an injected alert()) is dismissed and recorded.
    void (d.type() === 'confirm' ? d.accept() : d.dismiss())
  })
  page.on('response', (r) => {
    if (r.status() >= 400) diagnostics.httpErrors.push({ method: r.request().method(), path: new URL(r.url()).pathname, status: r.status() })
  })
  page.on('requestfailed', (r) => {
    // The SSE fetch is cut when the page navigates away: that is expected, not a failure. So is
    // any GET the browser itself cancels (ERR_ABORTED) because the page moved on while it was in
    // flight: the favicon, the notices area each page loads, a fragment htmx replaced. A server
    // that fails answers with a status (httpErrors) or breaks the connection (another error).
    const path = new URL(r.url()).pathname
    if (path === '/events') return
    if (r.method() === 'GET' && r.failure()?.errorText === 'net::ERR_ABORTED') return
    diagnostics.failedRequests.push({ method: r.method(), url: r.url(), failure: r.failure()?.errorText ?? '' })
  })

  return {
    context,
    page,
    diagnostics,
    profileDir,
    async close() {
      await context.close()
      rmSync(profileDir, { recursive: true, force: true })
    },
  }
}

/** Waits until the page's htmx SSE connection to /events is open (counted by the init script). */
export async function waitForLive(page: Page, timeout = 5000) {
  await page.waitForFunction(() => ((window as unknown as { __kq?: { sseConnected: number } }).__kq?.sseConnected ?? 0) > 0, null, { timeout })
}

/** Marks the current document; `sameDocument` is true while no full page load has happened since. */
export async function markDocument(page: Page) {
  await page.evaluate(() => {
    ;(window as unknown as { __kqMark?: boolean }).__kqMark = true
  })
}

export async function sameDocument(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { __kqMark?: boolean }).__kqMark === true)
}

/** Signs in through the login page (the seeded users' password by default) and waits for the home page. */
export async function signIn(page: Page, baseUrl: string, email: string, password = 'correct horse battery') {
  await page.goto(baseUrl + '/login')
  await page.fill('#email', email)
  await page.fill('#password', password)
  await page.getByRole('button', { name: 'Entrar' }).click()
  await page.waitForURL((u) => u.pathname === '/')
}
