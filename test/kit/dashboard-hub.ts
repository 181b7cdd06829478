import type { Browser, Page } from 'playwright-core'
import type { RunningHub } from '../../src/kernel/index.ts'
import { ensureDashboardBuilt, launchBrowser } from './browser.ts'
import { startManifestHub } from './manifest-hub.ts'
import { makeTempDir } from './temp-dir.ts'

// For dashboard suites in Chromium: the built dashboard, a hub from a manifest written for the
// suite (port 0, in-memory bus, temp data dir) and one page, opened in a `before` hook and closed
// in `after` with `close()`.

export interface DashboardHubOptions {
  /** Prefix of the temp dir that holds the manifest and the hub's data. */
  tempPrefix: string
  /** The page's default timeout for locators and navigation. */
  pageTimeoutMs: number
}

export interface DashboardHub {
  hub: RunningHub
  browser: Browser
  page: Page
  /** Closes the browser, then the hub, then removes the temp dir. */
  close(): Promise<void>
}

export const DEFAULT_DASHBOARD_VIEWPORT = Object.freeze({ width: 1280, height: 800 })

/** Builds the dashboard if needed, opens the hub and a 1280×800 page; on a failure, undoes what it opened. */
export async function openDashboardHub(
  manifestText: string,
  options: DashboardHubOptions,
): Promise<DashboardHub> {
  const temp = makeTempDir(options.tempPrefix)
  let started: Awaited<ReturnType<typeof startManifestHub>> | undefined
  let browser: Browser | undefined
  const close = async () => {
    try {
      await browser?.close()
    } finally {
      if (started === undefined) temp.remove()
      else await started.close()
    }
  }
  try {
    await ensureDashboardBuilt()
    started = await startManifestHub(manifestText, { temp })
    browser = await launchBrowser()
    const page = await (await browser.newContext({ viewport: { ...DEFAULT_DASHBOARD_VIEWPORT } })).newPage()
    page.setDefaultTimeout(options.pageTimeoutMs)
    return { hub: started.hub, browser, page, close }
  } catch (error) {
    await close()
    throw error
  }
}
