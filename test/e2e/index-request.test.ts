// index.request events drive the RAG skill: paths inside the manifest's workspace roots are indexed
// with index.progress in the same trace; anything outside is refused with error.raised.
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Envelope } from '../../src/contracts/index.ts'
import { DEFAULT_MANIFEST_PATH, openHub, type RunningHub } from '../../src/kernel/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { watchEvents } from '../kit/wait-for.ts'

function isDone(event: Envelope): boolean {
  const { done, total } = event.payload as { done: number; total: number }
  return done === total
}

describe('index.request through the bus', { timeout: 60_000 }, () => {
  const temp = makeTempDir('localhub-index-')
  const workspace = join(temp.path, 'workspace')
  const outside = join(temp.path, 'private')
  let hub: RunningHub

  before(async () => {
    mkdirSync(workspace)
    mkdirSync(outside)
    writeFileSync(join(workspace, 'notes.md'), '# Notes\n\nThe boiler is serviced every October.\n')
    writeFileSync(join(outside, 'secret.md'), 'my bank pin is 1234\n')
    symlinkSync(outside, join(workspace, 'escape'))
    const manifest = readFileSync(DEFAULT_MANIFEST_PATH, 'utf8').replace(
      /path: "~\/projects"/,
      `path: ${JSON.stringify(workspace)}`,
    )
    assert.notEqual(
      manifest,
      readFileSync(DEFAULT_MANIFEST_PATH, 'utf8'),
      'the test manifest points at the temp workspace',
    )
    writeFileSync(join(temp.path, 'manifest.yaml'), manifest)
    hub = await openHub({
      dataDir: join(temp.path, 'data'),
      manifestPath: join(temp.path, 'manifest.yaml'),
      port: 0,
      logger: false,
    })
  })
  after(async () => {
    await hub?.close()
    temp.remove()
  })

  test('a folder inside the workspace is indexed and reported as index.progress (live) done = total', async (t) => {
    const progress = await watchEvents(hub.bus, 'index.progress')
    t.after(() => progress.stop())
    const receipt = await hub.bus.publish({
      type: 'index.request',
      traceId: 'trace-index-1',
      payload: { paths: [workspace], mode: 'full' },
    })
    assert.ok(receipt.seq)
    // The handler's last word on a request is an index.progress with done = total.
    const last = await progress.next(
      (event) => event.traceId === 'trace-index-1' && isDone(event),
      'the final index.progress of trace-index-1',
    )
    // notes.md and the file reached through the symlink are not both indexed: the walker skips symlinks.
    assert.ok((last.payload as { total: number }).total >= 1)
    assert.equal(last.traceId, 'trace-index-1')
    assert.equal(last.causationId, receipt.id)
  })

  test('paths outside the roots, directly or through a symlink, are refused with E_PERMISSION_REQUIRED', async (t) => {
    const errors = await watchEvents(hub.bus, 'error.raised')
    t.after(() => errors.stop())
    for (const [traceId, path] of [
      ['trace-index-2', outside],
      ['trace-index-3', join(workspace, 'escape')],
      ['trace-index-4', join(workspace, '..', 'private', 'secret.md')],
    ] as const) {
      await hub.bus.publish({
        type: 'index.request',
        traceId,
        payload: { paths: [path], mode: 'incremental' },
      })
      const error = await errors.next((event) => event.traceId === traceId, `error.raised in ${traceId}`)
      assert.equal((error.payload as { code: string }).code, 'E_PERMISSION_REQUIRED', path)
    }
  })
})
