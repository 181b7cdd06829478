import assert from 'node:assert/strict'
import { test } from 'node:test'
import { HypothesisReader } from './pocketsphinx.ts'

test('segments become growing partial transcripts; confidence is the mean posterior of spoken words', () => {
  const partials: string[] = []
  const reader = new HypothesisReader((text) => partials.push(text))
  // As pocketsphinx_continuous -time yes prints it, split at arbitrary points.
  const output =
    'what time is it\n<s> 0.000 0.170 0.999800\nwhat 0.180 0.380 0.4\ntime 0.390 0.630 0.6\n<sil> 0.6 0.7 0.1\n' +
    '\ntell me\n<s> 2.280 2.360 0.999900\ntell 2.370 2.610 1.0\n[NOISE] 2.6 2.7 0.01\nme 2.620 2.790 1\n</s> 4.1 4.4 1.000000'
  for (let at = 0; at < output.length; at += 11) reader.push(output.slice(at, at + 11))
  const transcript = reader.end()
  assert.deepEqual(partials, ['what time is it', 'what time is it tell me'])
  assert.equal(transcript.text, 'what time is it tell me')
  assert.ok(Math.abs(transcript.confidence - (0.4 + 0.6 + 1 + 1) / 4) < 1e-9)
})

test('no speech: empty text and confidence 0', () => {
  const reader = new HypothesisReader(() => assert.fail('no segment expected'))
  reader.push('\n<s> 0.000 0.5 1.0\n</s> 0.5 1.0 1.0\n')
  assert.deepEqual(reader.end(), { text: '', confidence: 0 })
})
