import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { HandsFreeControl } from './hands-free-control.ts'
import { isStopPhrase, parseVoiceMode } from './voice-modes.ts'
import { DEFAULT_WAKE_THRESHOLD, validateWakePhrases } from './wake-phrases.ts'

describe('wake phrases, modes and the saved settings', () => {
  test('phrases are folded to lower case; a string is a phrase with the default threshold', () => {
    assert.deepEqual(
      validateWakePhrases(['  Hey   Jarvis ', { phrase: 'okay computer', threshold: 1e-30 }]),
      [
        { phrase: 'hey jarvis', threshold: DEFAULT_WAKE_THRESHOLD },
        { phrase: 'okay computer', threshold: 1e-30 },
      ],
    )
  })

  test('bad lists, phrases and thresholds are refused with E_VALIDATION naming the entry', () => {
    for (const [input, pattern] of [
      [[], /non-empty/],
      [['hey 9000'], /wake word 0: the phrase/],
      [['one two three four five six seven'], /1–6 words/],
      [[{ phrase: 'hey jarvis', threshold: 2 }], /threshold/],
      [[{ phrase: 'hey jarvis', threshold: 'low' }], /threshold/],
      [[{ phrase: 'hey jarvis', loud: true }], /unknown keys: loud/],
      [Array.from({ length: 9 }, () => 'hey jarvis'), /at most 8/],
    ] as const)
      assert.throws(
        () => validateWakePhrases(input),
        (error: Error & { code?: string }) => {
          assert.equal(error.code, 'E_VALIDATION')
          assert.match(error.message, pattern)
          return true
        },
      )
  })

  test('modes and stop phrases', () => {
    assert.equal(parseVoiceMode('talk'), 'talk')
    assert.throws(() => parseVoiceMode('loud'), /off, push_to_talk, wake_word, talk/)
    assert.ok(isStopPhrase('Stop.'))
    assert.ok(isStopPhrase("that's all"))
    assert.ok(!isStopPhrase('stop the music and play jazz'))
  })

  test('the control saves mode and phrases, reads them back, and tells subscribers at once', (t) => {
    const folder = mkdtempSync(join(tmpdir(), 'localhub-voice-mode-'))
    t.after(() => rmSync(folder, { recursive: true, force: true }))
    const file = join(folder, 'voice-mode.json')
    const defaults = { mode: 'push_to_talk' as const, phrases: [{ phrase: 'hey jarvis', threshold: 1e-20 }] }
    const control = new HandsFreeControl({ file, defaults })
    const seen: string[] = []
    control.subscribe((state, previous) => seen.push(`${previous.mode}->${state.mode} dnd=${state.dnd}`))
    control.setMode('talk')
    control.setInterruptibility('dnd')
    control.setPhrases([{ phrase: 'okay computer' }])
    assert.throws(() => control.setPhrases(['hey qwxzzy']), /does not know "qwxzzy"/)
    assert.deepEqual(seen.slice(0, 2), ['push_to_talk->talk dnd=false', 'talk->talk dnd=true'])
    const saved = JSON.parse(readFileSync(file, 'utf8'))
    assert.deepEqual(saved, { mode: 'talk', phrases: [{ phrase: 'okay computer', threshold: 1e-20 }] })
    const reopened = new HandsFreeControl({ file, defaults })
    assert.equal(reopened.state().mode, 'talk')
    assert.equal(reopened.state().phrases[0]!.phrase, 'okay computer')
    assert.equal(reopened.state().dnd, false, 'dnd comes from ui.interruptibility, not the file')
    writeFileSync(file, '{ damaged')
    assert.equal(new HandsFreeControl({ file, defaults }).state().mode, 'push_to_talk')
  })
})
