import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { test } from 'node:test'
import { makeTempDir } from '../../../test/kit/temp-dir.ts'
import { testRegistry } from '../../../test/kit/test-registry.ts'
import { watchEvents } from '../../../test/kit/wait-for.ts'
import { openBus } from '../../bus-factory/index.ts'
import type { CommandIo } from '../io.ts'
import { run as events } from './events.ts'

test('dlq list shows type, source and a redacted payload preview of each entry', async (t) => {
  const temp = makeTempDir('localhub-dlq-')
  t.after(() => temp.remove())
  const registryPath = join(temp.path, 'registry.json')
  writeFileSync(registryPath, JSON.stringify(testRegistry()))
  const dataDir = join(temp.path, 'data')
  const bus = await openBus({ transport: 'sqlite', dataDir, registry: testRegistry() })
  const moved = await watchEvents(bus, 'bus.dlq.moved')
  await bus.subscribe(
    'chat.query',
    () => {
      throw new Error('consumer down')
    },
    { durable: 'broken', maxDeliver: 1 },
  )
  await bus.publishUntyped({
    type: 'chat.query',
    source: 'ui.dashboard',
    sessionId: 's1',
    payload: { text: 'the words of the person', locale: 'en' },
  })
  await moved.count(1, 'the event dead-lettered')
  await bus.close()

  const call = async (args: string[]) => {
    const stdout = new PassThrough()
    let out = ''
    stdout.on('data', (chunk) => {
      out += chunk
    })
    const io: CommandIo = {
      stdin: Readable.from(['']),
      stdout,
      stderr: new PassThrough(),
      env: { ...process.env, LOCALHUB_REGISTRY: registryPath },
      cwd: temp.path,
    }
    const code = await events([...args, '--data', dataDir], io)
    return { code, out }
  }
  const text = await call(['dlq', 'list'])
  assert.equal(text.code, 0)
  assert.match(text.out, /chat\.query {2}from ui\.dashboard {2}1 attempts/)
  assert.match(text.out, /"text_sha256":"[0-9a-f]{64}","text_len":23/)
  assert.match(text.out, /"locale":"en"/)
  assert.doesNotMatch(text.out, /words of the person/)

  const json = JSON.parse((await call(['dlq', 'list', '--json'])).out)
  assert.equal(json.eventType, 'chat.query')
  assert.equal(json.source, 'ui.dashboard')
  assert.equal(json.payload.locale, 'en')
  assert.equal(json.payload.text, undefined)
  assert.equal(json.envelope, undefined)
})
