// What the portal's browser tests share: Debian's Chromium through playwright-core (skipped with a
// clear reason when it is missing), a page at 1366×768 in Beijing time, screenshots as test
// artifacts under test-artifacts/portal/<suite>/, staff accounts made through the API, and
// signing in through the real sign-in form.
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import type { Browser, BrowserContext, Page } from 'playwright-core'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export const skipWithoutChromium: false | string = existsSync(CHROMIUM)
  ? false
  : `Chromium not found at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH`

interface Teardown { teardown: (fn: () => unknown) => void }

export interface BrowserPage {
  browser: Browser
  page: Page
  /** A full-page screenshot named `<name>.png` in the suite's artifact folder. */
  shot: (name: string) => Promise<void>
}

/**
 * `hosts`: names the browser resolves to 127.0.0.1. Chromium never upgrades a loopback address to
 * https: (it counts as secure), so a test of what a deployment at a real host name sees uses one.
 */
export async function openBrowser (t: Teardown, suite: string, opts: { locale?: string, hosts?: string[] } = {}): Promise<BrowserPage> {
  const { chromium } = await import('playwright-core')
  const dir = `test-artifacts/portal/${suite}`
  await mkdir(dir, { recursive: true })
  const hostRules = opts.hosts?.length ? [`--host-resolver-rules=${opts.hosts.map((h) => `MAP ${h} 127.0.0.1`).join(',')}`] : []
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', ...hostRules] })
  t.teardown(async () => { await browser.close() })
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: opts.locale ?? 'zh-CN', timezoneId: 'Asia/Shanghai' })
  await guardAgainstHttps(t, context)
  const page = await context.newPage()
  return { browser, page, shot: async (name) => { await page.screenshot({ path: `${dir}/${name}.png`, fullPage: true }) } }
}

/**
 * The portal is served over plain HTTP in these tests, as on many intranets: a request to https:
 * (an upgrade-insecure-requests or HSTS the gateway should not have sent) is refused here and
 * fails the test when it ends, even when Chromium would have fallen back to http:.
 */
export async function guardAgainstHttps (t: Teardown, context: BrowserContext): Promise<void> {
  const upgraded: string[] = []
  await context.route(/^https:/, async (route) => {
    upgraded.push(`${route.request().method()} ${route.request().url()}`)
    await route.abort('connectionrefused')
  })
  t.teardown(() => {
    if (upgraded.length > 0) throw new Error(`the browser was sent to https: over plain HTTP: ${upgraded.join(', ')}`)
  })
}

export const STAFF_PASSWORD = 'Portal-Staff-2026'

/** A staff account made with the bootstrap token (password STAFF_PASSWORD unless given). */
export async function createStaff (base: string, bootstrapAuth: { authorization: string }, staff: { username: string, name: string, town: string, roles: string[], password?: string }): Promise<void> {
  const res = await fetch(`${base}/api/v1/staff`, {
    method: 'POST',
    headers: { ...bootstrapAuth, 'content-type': 'application/json' },
    body: JSON.stringify({ password: STAFF_PASSWORD, ...staff }),
  })
  if (res.status !== 201) throw new Error(`creating staff ${staff.username}: ${res.status} ${await res.text()}`)
}

/** Signs in through the form (Chinese labels) and waits for the home page. */
export async function signIn (page: Page, base: string, username: string, password = STAFF_PASSWORD): Promise<void> {
  await page.goto(`${base}/portal/login?lang=zh`)
  await page.getByLabel('用户名').fill(username)
  await page.getByLabel('密码', { exact: true }).fill(password)
  await page.getByRole('button', { name: '登录' }).click()
  await page.waitForURL(`${base}/`)
}

/** Signs out through the header's button. */
export async function signOut (page: Page, base: string): Promise<void> {
  await page.goto(`${base}/?lang=zh`)
  await page.getByRole('button', { name: '退出登录' }).click()
  await page.getByLabel('用户名').waitFor()
}
