import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { test } from 'node:test'
import { makeTempDir } from '../../../test/kit/temp-dir.ts'
import type { CommandIo } from '../io.ts'
import { run } from './serve.ts'

function io(cwd: string, env: NodeJS.ProcessEnv = {}): CommandIo & { err: () => string } {
  const stderr = new PassThrough()
  let err = ''
  stderr.on('data', (chunk) => (err += chunk))
  return { stdin: new PassThrough(), stdout: new PassThrough(), stderr, env, cwd, err: () => err }
}

test('serve refuses a bus it cannot run on, before anything listens', async (t) => {
  const dir = makeTempDir()
  t.after(() => dir.remove())
  const base = ['--data', dir.path, '--port', '0', '--log-level', 'silent']
  const kafka = io(dir.path)
  assert.equal(await run([...base, '--bus', 'kafka://x'], kafka), 1)
  assert.match(kafka.err(), /E_BAD_REQUEST: --bus must be sqlite, memory, nats or nats:\/\/HOST:PORT/)
  const lonelyId = io(dir.path)
  assert.equal(await run([...base, '--hub-id', 'desk'], lonelyId), 1)
  assert.match(lonelyId.err(), /--hub-id names a hub id, which only the NATS bus uses/)
  const fromEnv = io(dir.path, { LOCALHUB_BUS: 'rabbit' })
  assert.equal(await run(base, fromEnv), 1)
  assert.match(fromEnv.err(), /LOCALHUB_BUS must be sqlite, memory, nats/)
  const both = io(dir.path)
  assert.equal(await run([...base, '--memory-bus', '--bus', 'nats://127.0.0.1:1'], both), 2)
  assert.match(both.err(), /--memory-bus and --bus name two different buses/)
})
