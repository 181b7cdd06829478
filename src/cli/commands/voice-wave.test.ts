import assert from 'node:assert/strict'
import { test } from 'node:test'
import { encodeWave, parseWave, toRecogniserPcm, WaveFileError } from './voice-wave.ts'

function sine(sampleRate: number, hz: number, ms: number): Buffer {
  const count = Math.round((sampleRate * ms) / 1000)
  const pcm = Buffer.alloc(count * 2)
  for (let index = 0; index < count; index++)
    pcm.writeInt16LE(Math.round(Math.sin((2 * Math.PI * hz * index) / sampleRate) * 16000), index * 2)
  return pcm
}

function rms(pcm: Buffer): number {
  let sum = 0
  for (let at = 0; at < pcm.length; at += 2) sum += pcm.readInt16LE(at) ** 2
  return Math.sqrt(sum / (pcm.length / 2))
}

test('encodeWave and parseWave round-trip 16-bit mono', () => {
  const pcm = sine(22_050, 440, 100)
  const wave = parseWave(encodeWave(pcm, 22_050), 'a.wav')
  assert.deepEqual(
    { ...wave, data: undefined },
    { sampleRate: 22_050, channels: 1, format: 'pcm16', data: undefined },
  )
  assert.deepEqual(wave.data, pcm)
})

test('WAVE_FORMAT_EXTENSIBLE takes its format from the sub-format; a partial last frame is dropped', () => {
  const header = Buffer.alloc(68)
  header.write('RIFF', 0, 'ascii')
  header.write('WAVEfmt ', 8, 'ascii')
  header.writeUInt32LE(40, 16)
  header.writeUInt16LE(0xfffe, 20)
  header.writeUInt16LE(2, 22)
  header.writeUInt32LE(16_000, 24)
  header.writeUInt16LE(32, 34)
  header.writeUInt16LE(3, 44)
  header.write('data', 60, 'ascii')
  header.writeUInt32LE(20, 64)
  const wave = parseWave(Buffer.concat([header, Buffer.alloc(20)]), 'x.wav')
  assert.equal(wave.format, 'f32')
  assert.equal(wave.channels, 2)
  assert.equal(wave.data.length, 16)
})

test('files that are not usable WAVs say why', () => {
  assert.throws(() => parseWave(Buffer.from('hello there, not a wave'), 'n.wav'), WaveFileError)
  const twentyFour = encodeWave(Buffer.alloc(300), 16_000)
  twentyFour.writeUInt16LE(24, 34)
  assert.throws(() => parseWave(twentyFour, 'w.wav'), /unsupported format: 24-bit integer PCM/)
  const empty = encodeWave(Buffer.alloc(0), 16_000)
  assert.throws(() => parseWave(empty, 'e.wav'), /e\.wav has no audio/)
})

test('toRecogniserPcm keeps speech-band tones and removes what would fold over 8 kHz', () => {
  const speech = toRecogniserPcm(parseWave(encodeWave(sine(48_000, 1_000, 500), 48_000), 's.wav'))
  assert.ok(Math.abs(speech.length / 2 - 8_000) <= 1, `${speech.length / 2} samples for 0.5 s at 16 kHz`)
  assert.ok(rms(speech) > 10_000, `a 1 kHz tone passes (rms ${rms(speech)})`)
  // 13 kHz would alias to 3 kHz without the low-pass.
  const high = toRecogniserPcm(parseWave(encodeWave(sine(48_000, 13_000, 500), 48_000), 'h.wav'))
  assert.ok(rms(high) < 500, `a 13 kHz tone is filtered out (rms ${rms(high)})`)
})
