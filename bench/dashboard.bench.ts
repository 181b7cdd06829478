// The dashboard under load, in Debian's Chromium: how many events per second the page takes in while
// its frames stay smooth (requestAnimationFrame deltas p50/p99 while the bus publishes N events/s),
// the gzip size of what the first load downloads, and time to interactive on localhost.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { gzipSync } from 'node:zlib'
import { openHub } from '../src/kernel/index.ts'
import { DASHBOARD_DIST, ensureDashboardBuilt, hasChromium, launchBrowser } from '../test/kit/browser.ts'
import { makeTempDir } from '../test/kit/temp-dir.ts'
import { type BenchLine, median, percentile, report } from './stats.ts'

const RATES_PER_SECOND = [200, 1_000, 4_000]
const WINDOW_MS = 3_000
const TICK_MS = 20
const LOADS = 3

// Page-side helpers are passed as strings: the project's tsconfig has no DOM library.
const START_FRAMES = `(() => {
  const deltas = []
  let last = performance.now()
  let running = true
  const loop = (now) => { deltas.push(now - last); last = now; if (running) requestAnimationFrame(loop) }
  requestAnimationFrame(loop)
  window.__stopFrames = () => { running = false; return deltas }
})()`
const STOP_FRAMES = 'window.__stopFrames()'
const LAST_SEQ = `(() => {
  const match = /last seq (\\d+)/.exec(document.querySelector('[data-testid="stream-status"]')?.textContent ?? '')
  return match ? Number(match[1]) : 0
})()`

function gzipBytesOfBuild(): { gzip: number; raw: number } {
  let gzip = 0
  let raw = 0
  const files = [
    join(DASHBOARD_DIST, 'index.html'),
    ...readdirSync(join(DASHBOARD_DIST, 'assets')).map((name) => join(DASHBOARD_DIST, 'assets', name)),
  ]
  for (const file of files) {
    const bytes = readFileSync(file)
    raw += bytes.length
    gzip += gzipSync(bytes).length
  }
  return { gzip, raw }
}

export async function run(): Promise<BenchLine[]> {
  if (!hasChromium()) {
    process.stderr.write(
      'dashboard bench skipped: chromium is not installed (bash scripts/setup-system.sh)\n',
    )
    return []
  }
  await ensureDashboardBuilt()
  const lines: BenchLine[] = []
  const size = gzipBytesOfBuild()
  lines.push({ bench: 'dashboard.initial-load.gzip', unit: 'bytes', median: size.gzip, raw: size.raw })

  const data = makeTempDir('localhub-dashboard-bench-')
  const hub = await openHub({ dataDir: data.path, port: 0, logger: false })
  const browser = await launchBrowser()
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } })
    const page = await context.newPage()
    await page.goto(hub.loginUrl)
    const interactive: number[] = []
    for (let load = 0; load < LOADS; load++) {
      const started = Date.now()
      await page.goto(`${hub.url}/?load=${load}#/events`)
      await page.getByTestId('connection').filter({ hasText: 'live' }).waitFor({ timeout: 30_000 })
      interactive.push(Date.now() - started)
    }
    lines.push({
      bench: 'dashboard.time-to-interactive',
      unit: 'ms',
      median: Math.round(median(interactive)),
      max: Math.max(...interactive),
      loads: LOADS,
    })

    for (const rate of RATES_PER_SECOND) {
      const perTick = Math.max(1, Math.round((rate * TICK_MS) / 1_000))
      const seqBefore = (await page.evaluate(LAST_SEQ)) as number
      await page.evaluate(START_FRAMES)
      const started = Date.now()
      let published = 0
      while (Date.now() - started < WINDOW_MS) {
        const tick = Date.now()
        await Promise.all(
          Array.from({ length: perTick }, () =>
            hub.bus.publish({
              type: 'ui.notify',
              source: 'bench',
              payload: { title: `event ${published++}` },
            }),
          ),
        )
        const wait = TICK_MS - (Date.now() - tick)
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
      }
      const elapsedMs = Date.now() - started
      // Give the page a moment to drain what is in flight, then read where it got to.
      await new Promise((resolve) => setTimeout(resolve, 500))
      const deltas = (await page.evaluate(STOP_FRAMES)) as number[]
      const seqAfter = (await page.evaluate(LAST_SEQ)) as number
      const delivered = seqAfter - seqBefore
      lines.push({
        bench: 'dashboard.frame-time',
        unit: 'ms',
        median: +median(deltas).toFixed(2),
        p99: +percentile(deltas, 0.99).toFixed(2),
        max: +percentile(deltas, 1).toFixed(2),
        offeredPerSecond: rate,
        frames: deltas.length,
      })
      lines.push({
        bench: 'dashboard.events-rendered',
        unit: 'events/s',
        median: Math.round((delivered * 1_000) / elapsedMs),
        baseline: Math.round((published * 1_000) / elapsedMs),
        ratio: +(delivered / Math.max(1, published)).toFixed(3),
        offeredPerSecond: rate,
      })
    }
  } finally {
    await browser.close()
    await hub.close()
    data.remove()
  }
  return lines
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const line of await run()) report(line)
}
