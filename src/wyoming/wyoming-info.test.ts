import assert from 'node:assert/strict'
import { test } from 'node:test'
import { wyomingInfoData } from './wyoming-info.ts'

test('info lists asr, tts and handle programs with the fields the protocol requires', () => {
  const info = wyomingInfoData({
    hubName: 'home',
    version: '0.1.0',
    asr: { engine: 'pocketsphinx', languages: ['en-us'] },
    tts: { engine: 'flite', voice: 'slt', languages: ['en-us'] },
    handle: { model: 'llama3.2', languages: ['en-us'] },
  }) as Record<string, Record<string, unknown>[]>
  assert.deepEqual(info.intent, [])
  assert.deepEqual(info.wake, [])
  const artifactKeys = ['attribution', 'description', 'installed', 'name', 'version']
  for (const [kind, list] of [
    ['asr', 'models'],
    ['tts', 'voices'],
    ['handle', 'models'],
  ] as const) {
    const program = info[kind]![0]!
    assert.deepEqual(Object.keys(program).sort(), [...artifactKeys, list].sort(), kind)
    const inner = (program[list] as Record<string, unknown>[])[0]!
    assert.deepEqual(Object.keys(inner).sort(), [...artifactKeys, 'languages'].sort(), kind)
    assert.deepEqual(inner.languages, ['en-us'])
    assert.equal(inner.installed, true)
    assert.equal(typeof (inner.attribution as { url: unknown }).url, 'string')
  }
  assert.equal((info.tts![0]!.voices as { name: string }[])[0]!.name, 'slt')
  assert.equal((info.handle![0]!.models as { name: string }[])[0]!.name, 'llama3.2')
})
