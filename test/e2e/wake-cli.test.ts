// `localhub voice mode`, `localhub voice wake-words` and `localhub listen` against a real hub with
// the wake skill: listen captures through a stand-in for arecord that plays flite speech, and the
// real arecord (alsa-utils) on a machine without a sound card says so clearly.
import assert from 'node:assert/strict'
import { chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { main } from '../../src/cli/index.ts'
import type { RunningHub } from '../../src/kernel/index.ts'
import { runCommand } from '../kit/cli-io.ts'
import { type FakeOllamaServer, startOllamaServer } from '../kit/llm-servers/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { silence, speak16k } from '../kit/wake-corpus.ts'
import { openWakeHub } from '../kit/wake-hub.ts'

describe('localhub voice mode / wake-words / listen', { timeout: 120_000 }, () => {
  const temp = makeTempDir('localhub-wake-cli-')
  let ollama: FakeOllamaServer
  let hub: RunningHub
  const cli = (args: string[]) =>
    runCommand(main, [...args, '--url', hub.url], {
      cwd: temp.path,
      dataDir: join(temp.path, 'cli-data'),
      env: { LOCALHUB_TOKEN: hub.token },
    })

  before(async () => {
    ollama = await startOllamaServer({ reply: () => 'It is noon.' })
    hub = await openWakeHub(temp.path, ollama.url)
  })
  after(async () => {
    await hub?.close()
    await ollama?.close()
    temp.remove()
  })

  test('mode shows and switches; wake-words shows and replaces; a bad mode is refused', async () => {
    assert.deepEqual(await cli(['voice', 'mode']), { code: 0, stdout: 'wake_word\n', stderr: '' })
    assert.equal((await cli(['voice', 'mode', 'talk'])).stdout, 'talk\n')
    assert.equal((await cli(['voice', 'mode'])).stdout, 'talk\n')
    const bad = await cli(['voice', 'mode', 'loud'])
    assert.equal(bad.code, 1)
    // The route schema refuses it first, naming the field, the allowed modes and what came.
    assert.match(bad.stderr, /E_VALIDATION: .*mode.*"off","push_to_talk","wake_word","talk".*"loud"/)
    const words = await cli(['voice', 'wake-words', 'okay computer', 'hey jarvis', '--threshold', '1e-25'])
    assert.equal(words.stdout, 'okay computer\t1e-25\nhey jarvis\t1e-25\n')
    const unknown = await cli(['voice', 'wake-words', 'hey qwxzzy'])
    assert.equal(unknown.code, 1)
    assert.match(unknown.stderr, /does not know "qwxzzy"/)
    assert.equal((await cli(['voice', 'mode', 'wake_word'])).code, 0)
  })

  test('listen streams the capture to the hub: a wake, the question heard, the answer', async () => {
    const audio = join(temp.path, 'mic.raw')
    writeFileSync(
      audio,
      Buffer.concat([
        silence(500),
        speak16k('hey jarvis'),
        silence(300),
        speak16k('what time is it'),
        silence(3000),
      ]),
    )
    // Stands in for arecord: plays the file, then keeps the device open as a microphone would.
    const fake = join(temp.path, 'fake-arecord')
    writeFileSync(fake, `#!/bin/sh\ncat "${audio}"\nexec sleep 60\n`)
    chmodSync(fake, 0o755)
    const outcome = await cli(['listen', '--arecord', fake, '--max-turns', '1'])
    assert.equal(outcome.code, 0, outcome.stderr)
    assert.match(outcome.stdout, /^wake: hey jarvis \(0\.\d+\)$/m)
    assert.match(outcome.stdout, /^heard: .*time/m)
    assert.match(outcome.stdout, /^answer: It is noon\.$/m)
  })

  test('listen without a capture device, or without arecord, exits 1 and says why', async () => {
    const noDevice = await cli(['listen', '--device', 'hw:97,0'])
    assert.equal(noDevice.code, 1)
    assert.match(noDevice.stderr, /no audio capture device hw:97,0: arecord exited with 1 .*arecord -l/)
    const missing = await cli(['listen', '--arecord', join(temp.path, 'no-such-arecord')])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /is not installed: apt-get install -y alsa-utils/)
  })

  test('listen with no hub reachable exits 4', async () => {
    const outcome = await runCommand(main, ['listen', '--url', 'http://127.0.0.1:9'], {
      cwd: temp.path,
      dataDir: join(temp.path, 'cli-data'),
      env: { LOCALHUB_TOKEN: 'x' },
    })
    assert.equal(outcome.code, 4, outcome.stderr)
  })
})
