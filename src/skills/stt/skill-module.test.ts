import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { SkillContext } from '../../skill-api/index.ts'
import { skillModule as tts } from '../tts/index.ts'
import { skillModule as stt } from './index.ts'

function context(config: Record<string, unknown>, path: string): SkillContext {
  return { config, env: { PATH: path }, skill: { provides: [] } } as unknown as SkillContext
}

test('a missing engine binary makes the voice skills unavailable with the apt command', async () => {
  for (const [module, binary, packages] of [
    [stt, 'pocketsphinx_continuous', 'apt-get install -y pocketsphinx pocketsphinx-en-us'],
    [tts, 'flite', 'apt-get install -y flite'],
  ] as const) {
    const opened = await module.open(context({}, '/nonexistent'))
    const status = opened.runtime!.status()
    assert.equal(status.state, 'unavailable')
    assert.ok(status.reason?.includes(`${binary} is not installed`), status.reason)
    assert.ok(status.reason?.includes(packages), status.reason)
  }
})

test('engines and voices that are not built in are unavailable, naming what is', async () => {
  const vosk = await stt.open(context({ engine: 'vosk' }, '/usr/bin'))
  assert.match(
    vosk.runtime!.status().reason ?? '',
    /engine vosk is not built in; use pocketsphinx, whisper, wyoming/,
  )
  const voice = await tts.open(context({ voicePreset: 'nobody' }, '/usr/bin'))
  assert.match(voice.runtime!.status().reason ?? '', /no voice nobody/)
  for (const module of [stt, tts]) {
    const noUri = await module.open(context({ engine: 'wyoming' }, '/nonexistent'))
    assert.match(noUri.runtime!.status().reason ?? '', /needs config uri: tcp:\/\/host:port/)
    const badUri = await module.open(context({ engine: 'wyoming', uri: 'http://x:1' }, '/nonexistent'))
    assert.match(badUri.runtime!.status().reason ?? '', /a Wyoming uri is tcp:\/\/host:port/)
    // No local binary is needed for a service.
    const ready = await module.open(
      context({ engine: 'wyoming', uri: 'tcp://127.0.0.1:10300' }, '/nonexistent'),
    )
    assert.equal(ready.runtime!.status().state, 'ready')
  }
})
