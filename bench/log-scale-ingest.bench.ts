// Bulk ingest (issue 22, decision 1613): the same NDJSON of 20 000 events through the bus's own
// publishMany (batches of 1000), `localhub events publish FILE` on the data directory, and
// POST /events NDJSON on a running hub (10 000 lines per request). Each into a fresh log.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { openBus } from '../src/bus-factory/index.ts'
import { main } from '../src/cli/index.ts'
import { openHub } from '../src/kernel/index.ts'
import { makeTempDir } from '../test/kit/temp-dir.ts'
import { report } from './stats.ts'

const COUNT = Number(process.env.LOG_SCALE_INGEST_EVENTS ?? 20_000)
const drafts = Array.from({ length: COUNT }, (_, n) => ({
  type: 'ui.feedback',
  payload: { target: `panel-${n}`, helpful: n % 2 === 0 },
  sessionId: `s${n % 50}`,
}))
const lines = drafts.map((draft) => JSON.stringify(draft))

const dir = makeTempDir('localhub-ingest-')
try {
  const rates: Record<string, number> = {}

  const bus = await openBus({ transport: 'sqlite', dataDir: join(dir.path, 'bus') })
  let started = performance.now()
  for (let at = 0; at < COUNT; at += 1000) await bus.publishManyUntyped(drafts.slice(at, at + 1000))
  rates.publishMany = COUNT / ((performance.now() - started) / 1000)
  await bus.close()

  const file = join(dir.path, 'events.ndjson')
  writeFileSync(file, `${lines.join('\n')}\n`)
  const sink = () => {
    const stream = new PassThrough()
    stream.resume()
    return stream
  }
  const env: NodeJS.ProcessEnv = { ...process.env, LOCALHUB_DATA: join(dir.path, 'cli') }
  delete env.LOCALHUB_REGISTRY
  started = performance.now()
  // The first receipt marks the end of start-up (loading the catalog, opening the log).
  let firstReceiptAt: number | undefined
  const receipts = sink()
  receipts.once('data', () => {
    firstReceiptAt = performance.now()
  })
  const code = await main(['events', 'publish', file], {
    stdin: Readable.from(['']),
    stdout: receipts,
    stderr: sink(),
    env,
    cwd: dir.path,
  })
  if (code !== 0) throw new Error(`events publish exited ${code}`)
  const finished = performance.now()
  rates.cliPublish = COUNT / ((finished - started) / 1000)
  rates.cliPublishAfterStartUp = (COUNT - 1000) / ((finished - (firstReceiptAt ?? started)) / 1000)

  const hub = await openHub({ dataDir: join(dir.path, 'hub'), port: 0, logger: false })
  try {
    started = performance.now()
    for (let at = 0; at < COUNT; at += 10_000) {
      const response = await fetch(`${hub.url}/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/x-ndjson' },
        body: `${lines.slice(at, at + 10_000).join('\n')}\n`,
      })
      const answered = (await response.text())
        .split('\n')
        .filter((line) => line.startsWith('{"ok":true')).length
      if (answered !== Math.min(10_000, COUNT - at))
        throw new Error(`POST /events answered ${answered} ok lines`)
    }
    rates.postEvents = COUNT / ((performance.now() - started) / 1000)
  } finally {
    await hub.close()
  }
  for (const [name, rate] of Object.entries(rates))
    report({
      bench: `log-scale ingest: ${name}`,
      unit: 'events/s',
      median: Math.round(rate),
      ratioToPublishMany: Math.round((rate / rates.publishMany!) * 100) / 100,
      events: COUNT,
    })
} finally {
  dir.remove()
}
