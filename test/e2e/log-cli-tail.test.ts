// localhub events tail ends with its exit code: 2 for a bad pattern (refused before it reads the
// log or asks a hub), 1 once the hub it follows has gone. It printed the error and then ran on.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { exited, REPO_ROOT, runToEnd } from '../kit/child-process.ts'
import { type HubProcess, startHubProcess } from '../kit/hub-process.ts'
import { makeTempDir } from '../kit/temp-dir.ts'

const BIN = join(REPO_ROOT, 'bin', 'localhub.js')
/** Far longer than a refusal takes; a tail still running then has hung. */
const EXIT_WITHIN_MS = 15_000
const temp = makeTempDir('localhub-log-cli-tail-')
const HUB_DATA = join(temp.path, 'hub-data')
let hub: HubProcess

before(async () => {
  hub = await startHubProcess(HUB_DATA)
})
after(async () => {
  await hub.stop('SIGKILL')
  temp.remove()
})

const tail = (args: string[]) =>
  runToEnd(process.execPath, [BIN, 'events', 'tail', ...args], { timeoutMs: EXIT_WITHIN_MS })

test('a bad type pattern is a usage mistake (exit 2), with or without a hub, and nothing is opened', async () => {
  const noHub = join(temp.path, 'no-hub')
  const [positional, flag, withHub] = await Promise.all([
    tail(['bad..x', '--data', noHub]),
    tail(['--type', 'chat.>.x', '--data', noHub]),
    tail(['bad..x', '--data', HUB_DATA]),
  ])
  for (const [outcome, what] of [
    [positional, /PATTERN/],
    [flag, /--type/],
    [withHub, /PATTERN/],
  ] as const) {
    assert.equal(outcome.code, 2, `exit 2, not a hang: ${outcome.code}\n${outcome.stderr}`)
    assert.match(outcome.stderr, /^localhub events tail: .*pattern/m)
    assert.match(outcome.stderr, what)
    assert.match(outcome.stderr, /usage: localhub events tail/)
  }
  assert.equal(existsSync(noHub), false, 'no data directory created for a refused tail')
})

test('a tail whose hub goes away ends with exit 1 and E_DEPENDENCY_UNAVAILABLE', {
  timeout: 60_000,
}, async () => {
  const child = spawn(process.execPath, [BIN, 'events', 'tail', 'ui.*', '--json', '--data', HUB_DATA], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stdout.on('data', (chunk) => (out += chunk))
  child.stderr.on('data', (chunk) => (err += chunk))
  const ended = exited(child)
  // Publish until the tail shows an event: then it is following the hub.
  const deadline = Date.now() + 30_000
  while (!out.includes('"ui.feedback"')) {
    assert.ok(Date.now() < deadline, `the tail showed nothing:\n${err}`)
    const response = await fetch(`${hub.url}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'ui.feedback', payload: { target: 'x', helpful: true } }),
    })
    assert.equal(response.status, 200, await response.text())
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  await hub.stop('SIGKILL')
  const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_WITHIN_MS)
  const code = await ended
  clearTimeout(timer)
  assert.equal(code, 1, `exit 1, not a hang: ${code}\n${err}`)
  assert.match(err, /^localhub events tail: E_DEPENDENCY_UNAVAILABLE: /m)
  assert.doesNotMatch(err, /usage:/)
})
