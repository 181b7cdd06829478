// python/localhub_client against a running hub (stdlib HTTP, its own RFC 6455 WebSocket client):
// chat, two approved file writes, publish, paged replay, every event valid in the stored form
// with the generated Pydantic models, the live tail resuming across a hub restart, refusals.
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { NOTE_PATHS, NOTES_REPLY, type SessionHub, startSessionHub } from '../kit/session-hub.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const SCRIPT = fileURLToPath(new URL('./client-python-session.py', import.meta.url))
const PYDANTIC = spawnSync('python3', ['-c', 'import pydantic; assert pydantic.VERSION >= "2"']).status === 0

type Step = Record<string, unknown> & { step: string }

describe('the Python client against a running hub', {
  timeout: 180_000,
  skip: PYDANTIC ? false : 'python3 with pydantic 2 is not installed',
}, () => {
  let session: SessionHub
  const steps = new Map<string, Step>()
  let stderr = ''
  let exitCode: number | null = null

  before(async () => {
    session = await startSessionHub('localhub-client-py-')
    const child = spawn('python3', [SCRIPT, join(ROOT, 'python'), session.hub.url, session.hub.token], {
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    for await (const line of createInterface({ input: child.stdout })) {
      if (line === 'RESTART') {
        await session.restart()
        await session.hub.bus.publish({ type: 'ui.feedback', payload: { target: 'tail-2', helpful: true } })
        await session.hub.bus.publish({ type: 'ui.feedback', payload: { target: 'tail-3', helpful: true } })
        child.stdin.write('back\n')
        continue
      }
      const step = JSON.parse(line) as Step
      steps.set(step.step, step)
    }
    exitCode = await exited
  })
  after(async () => session?.close())

  test('the script ran to its end', () => {
    assert.equal(exitCode, 0, stderr)
    assert.deepEqual([...steps.keys()], ['hello', 'notes', 'replay', 'stored', 'tail', 'live', 'refusals'])
  })

  test('chat: a plain turn, and a turn whose two writes wait for approval', () => {
    assert.match(String(steps.get('hello')?.text), /^Hello\. You said: hello there/)
    const notes = steps.get('notes')!
    assert.equal(notes.text, NOTES_REPLY)
    assert.equal(notes.first, 'stream.start')
    assert.equal(notes.approved, 2)
    assert.deepEqual(notes.statuses, ['requested', 'done', 'requested', 'done'])
    for (const [index, path] of NOTE_PATHS.entries())
      assert.equal(readFileSync(join(session.workspace, path), 'utf8'), `note ${index + 1}\n`)
  })

  test('publish and paged replay agree on the seqs', () => {
    const replay = steps.get('replay')!
    assert.equal((replay.receipts as number[]).length, 5)
    assert.deepEqual(replay.replayed, replay.receipts)
  })

  test('every replayed event validates with payload_model(..., stored=True)', () => {
    assert.deepEqual(steps.get('stored')?.invalid, [])
  })

  test('the live tail resumes after the restart with nothing lost or repeated', () => {
    const tail = steps.get('tail')!
    assert.deepEqual(tail.seen, ['tail-0', 'tail-1', 'tail-2', 'tail-3'])
    assert.ok((tail.reconnects as number) >= 1)
  })

  test('a live tail opened with `with` delivers what is published right after the block is entered', () => {
    assert.equal(steps.get('live')?.first, 'live-1')
  })

  test('refusals carry the hub code and status', () => {
    assert.deepEqual(steps.get('refusals'), {
      step: 'refusals',
      invalid: ['E_VALIDATION', 422],
      token: ['E_PERMISSION_REQUIRED', 401],
      tail_token: ['E_PERMISSION_REQUIRED', 401],
      tail_filter: ['E_BAD_REQUEST', 400],
      unreachable: ['E_DEPENDENCY_UNAVAILABLE', 0],
      bad_url: 'url must be an absolute http(s) URL, got',
      no_token: 'token must be the hub token (the auth-to',
    })
  })
})
