// The Health page shows the event log's last retention pass (store.log.compacted, decision 1611).
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { DEFAULT_MANIFEST_PATH, openHub } from '../../src/kernel/index.ts'
import { ensureDashboardBuilt, hasChromium, launchBrowser } from '../kit/browser.ts'
import { makeTempDir } from '../kit/temp-dir.ts'

test('the Health page shows the last store.log.compacted', {
  skip: hasChromium() ? false : 'chromium is not installed (bash scripts/setup-system.sh)',
  timeout: 180_000,
}, async (t) => {
  const temp = makeTempDir('localhub-log-health-')
  t.after(() => temp.remove())
  const workspace = join(temp.path, 'workspace')
  mkdirSync(workspace)
  const manifest = readFileSync(DEFAULT_MANIFEST_PATH, 'utf8').replace(
    /path: "~\/projects"/,
    `path: ${JSON.stringify(workspace)}`,
  )
  writeFileSync(join(temp.path, 'manifest.yaml'), manifest)
  const built = ensureDashboardBuilt()
  const hub = await openHub({
    dataDir: join(temp.path, 'hub'),
    manifestPath: join(temp.path, 'manifest.yaml'),
    port: 0,
    logger: false,
  })
  t.after(() => hub.close())
  const posted = await fetch(`${hub.url}/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'store.log.compacted',
      payload: {
        trigger: 'schedule',
        deleted: 1234,
        batches: 3,
        kept: 7,
        bytesBefore: 8 * 1024 * 1024,
        bytesAfter: 6 * 1024 * 1024,
        reclaimedBytes: 2 * 1024 * 1024,
        durationMs: 12,
        maxAgeDays: 30,
        completedAt: new Date().toISOString(),
      },
    }),
  })
  assert.equal(posted.status, 200, await posted.text())
  await built
  const browser = await launchBrowser()
  t.after(() => browser.close())
  const page = await (await browser.newContext()).newPage()
  page.setDefaultTimeout(15_000)
  await page.goto(hub.loginUrl)
  await page.goto(`${hub.url}/#/health`)
  const line = page.getByTestId('log-retention').filter({ hasText: '1234 events deleted' })
  await line.waitFor()
  assert.match(
    await line.innerText(),
    /3 batches, 7 kept for the ledger or open approvals, 2\.0 MB given back, log now 6\.0 MB/,
  )
})
