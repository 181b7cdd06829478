// Browser tests of the dashboard: Debian's Chromium (scripts/setup-system.sh installs it) driven by
// playwright-core, and a build of web/ that is redone when its sources are newer than web/dist.
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { type Browser, chromium, type Page } from 'playwright-core'

const run = promisify(execFile)
const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export const CHROMIUM_PATH = '/usr/bin/chromium'
export const DASHBOARD_DIST = join(ROOT, 'web', 'dist')
export const SCREENSHOT_DIR = join(ROOT, 'test-output', 'screenshots')

/** Chromium flags for a closed network: no background fetches that would fail or hang. */
export const CHROMIUM_ARGS: readonly string[] = Object.freeze([
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-default-apps',
])

export function hasChromium(): boolean {
  return existsSync(CHROMIUM_PATH)
}

function newestMtimeMs(path: string): number {
  const stats = statSync(path)
  if (!stats.isDirectory()) return stats.mtimeMs
  let newest = stats.mtimeMs
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtimeMs(join(path, name)))
  return newest
}

/** Builds web/ into web/dist unless the build is newer than every source it comes from. */
export async function ensureDashboardBuilt(): Promise<{ built: boolean; ms: number }> {
  const index = join(DASHBOARD_DIST, 'index.html')
  const sources = [
    join(ROOT, 'web', 'src'),
    join(ROOT, 'web', 'build'),
    join(ROOT, 'web', 'public'),
    join(ROOT, 'web', 'index.html'),
    join(ROOT, 'web', 'vite.config.ts'),
    join(ROOT, 'catalog', 'registry.yaml'),
  ]
  if (existsSync(index) && statSync(index).mtimeMs >= Math.max(...sources.map(newestMtimeMs))) {
    return { built: false, ms: 0 }
  }
  const started = performance.now()
  await run(
    process.execPath,
    [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '-c', 'web/vite.config.ts'],
    {
      cwd: ROOT,
      timeout: 120_000,
    },
  )
  return { built: true, ms: performance.now() - started }
}

/**
 * Headless Chromium with a fresh profile: Playwright's launch() gives every browser its own
 * temporary --user-data-dir and removes it on close. `extraArgs` are for one suite's needs (a fake
 * microphone, say).
 */
export async function launchBrowser(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    timeout: 60_000,
  })
}

/** Saves a full-page PNG under test-output/screenshots/ (git-ignored) and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
  const path = join(SCREENSHOT_DIR, `${name}.png`)
  await page.screenshot({ path, fullPage: true })
  return path
}
