import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import type { SkillContext } from '../../skill-api/index.ts'
import { createSttSkillModule } from './skill-module.ts'
import {
  createWhisperEngine,
  loadWhisperNode,
  WHISPER_NODE_PACKAGE,
  type WhisperModuleLike,
  whisperNodeLoader,
  whisperPackageInstalled,
} from './whisper.ts'

function folder(t: { after: (fn: () => void) => void }): string {
  const path = mkdtempSync(join(tmpdir(), 'localhub-whisper-'))
  t.after(() => rmSync(path, { recursive: true, force: true }))
  return path
}

/** A fake @fugood/whisper.node: records what it was given, answers with `segments`. */
function fakeModule(segments: string[], calls: Record<string, unknown>[] = []): WhisperModuleLike {
  return {
    async initWhisper(options) {
      calls.push({ init: options.filePath, useGpu: options.useGpu })
      return {
        transcribeData(audio, settings) {
          calls.push({ bytes: audio.byteLength, language: settings.language })
          let stopped = false
          const promise = (async () => {
            const onNew = settings.onNewSegments as (update: { segments: { text: string }[] }) => void
            for (const text of segments) onNew({ segments: [{ text }] })
            return { result: segments.join(''), isAborted: stopped }
          })()
          return {
            stop: async () => {
              stopped = true
            },
            promise,
          }
        },
        release: async () => {
          calls.push({ released: true })
        },
      }
    },
  }
}

describe('whisper.cpp engine (@fugood/whisper.node)', () => {
  test('the utterance goes to whisper whole at its end; segments are partials; notes are dropped', async (t) => {
    const model = join(folder(t), 'ggml-base.en.bin')
    writeFileSync(model, 'weights')
    const calls: Record<string, unknown>[] = []
    const engine = createWhisperEngine({
      modelPath: model,
      language: 'en-us',
      loadModule: async () => fakeModule([' [BLANK_AUDIO]', ' What time', ' is it?'], calls),
    })
    const partials: string[] = []
    const session = engine.start(new AbortController().signal, (text) => partials.push(text))
    await session.write(Buffer.alloc(3200))
    await session.write(Buffer.alloc(1600))
    const transcript = await session.finish()
    assert.deepEqual(transcript, { text: 'What time is it?', confidence: 1 })
    assert.deepEqual(partials, ['[BLANK_AUDIO]', '[BLANK_AUDIO] What time', '[BLANK_AUDIO] What time is it?'])
    assert.deepEqual(calls.slice(0, 2), [
      { init: model, useGpu: false },
      { bytes: 4800, language: 'en' },
    ])
    await engine.close()
    assert.deepEqual(calls.at(-1), { released: true })
  })

  test('a missing model file is E_DEPENDENCY_UNAVAILABLE naming what to download; /health says unavailable', async (t) => {
    const missing = join(folder(t), 'ggml-base.en.bin')
    const engine = createWhisperEngine({
      modelPath: missing,
      language: 'en',
      loadModule: async () => assert.fail('no package is loaded without a model'),
    })
    await assert.rejects(
      engine.start(new AbortController().signal, () => undefined).finish(),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'E_DEPENDENCY_UNAVAILABLE')
        assert.match(error.message, /ggml-base\.en\.bin/)
        assert.match(error.message, /huggingface\.co\/ggerganov\/whisper\.cpp/)
        return true
      },
    )
    const module = createSttSkillModule({ whisperInstalled: () => true })
    const open = (config: Record<string, unknown>) =>
      module.open({ config, env: {}, skill: { provides: [] } } as unknown as SkillContext)
    const withoutPath = (await open({ engine: 'whisper' })).runtime!.status()
    assert.equal(withoutPath.state, 'unavailable')
    assert.match(
      withoutPath.reason ?? '',
      /needs config modelPath: download a ggml model, e.g\. ggml-base\.en\.bin/,
    )
    const absent = (await open({ engine: 'whisper', modelPath: missing })).runtime!.status()
    assert.match(absent.reason ?? '', new RegExp(`${missing.replaceAll('.', '\\.')} does not exist`))
    writeFileSync(missing, 'weights')
    assert.deepEqual((await open({ engine: 'whisper', modelPath: missing })).runtime!.status(), {
      state: 'ready',
    })
    const noPackage = createSttSkillModule({ whisperInstalled: () => false })
    const status = (
      await noPackage.open({
        config: { engine: 'whisper', modelPath: missing },
        env: {},
        skill: { provides: [] },
      } as unknown as SkillContext)
    ).runtime!.status()
    assert.match(
      status.reason ?? '',
      /@fugood\/whisper\.node is not installed: run `npm install --no-save @fugood\/whisper\.node`/,
    )
  })

  test('a package that is missing or exports no initWhisper is a clear error', async () => {
    const missing = whisperNodeLoader(async () => {
      throw Object.assign(new Error('nope'), { code: 'ERR_MODULE_NOT_FOUND' })
    })
    await assert.rejects(
      missing(),
      /whisper\.cpp needs @fugood\/whisper\.node: it is not installed; run `npm install/,
    )
    const odd = whisperNodeLoader(async () => ({ default: {} }))
    await assert.rejects(odd(), /initWhisper is not exported/)
  })

  test('cancelling the turn stops the transcription', async (t) => {
    const model = join(folder(t), 'model.bin')
    writeFileSync(model, 'weights')
    const controller = new AbortController()
    const engine = createWhisperEngine({
      modelPath: model,
      language: 'en',
      loadModule: async () => fakeModule(['late words']),
    })
    const session = engine.start(controller.signal, () => controller.abort(new Error('barge-in')))
    await assert.rejects(session.finish(), /barge-in/)
  })

  test('the installed package loads, and refuses a file that is not a ggml model', {
    skip: !whisperPackageInstalled(),
  }, async (t) => {
    const module = await loadWhisperNode()
    assert.equal(typeof module.initWhisper, 'function', WHISPER_NODE_PACKAGE)
    const model = join(folder(t), 'not-a-model.bin')
    writeFileSync(model, 'these are not whisper weights')
    const engine = createWhisperEngine({ modelPath: model, language: 'en' })
    await assert.rejects(
      engine.start(new AbortController().signal, () => undefined).finish(),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'E_DEPENDENCY_UNAVAILABLE')
        assert.match(error.message, /whisper\.cpp could not load .*not-a-model\.bin/)
        return true
      },
    )
  })
})
