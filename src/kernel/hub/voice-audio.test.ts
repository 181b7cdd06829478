import assert from 'node:assert/strict'
import { test } from 'node:test'
import { durationMs, PcmNormalizer, parseVoiceFormat } from './voice-audio.ts'

/** A sine of `hz` at `rate`, `seconds` long, as interleaved frames of `channels`. */
function sine(hz: number, rate: number, seconds: number, format: 'pcm16' | 'f32', channels: number): Buffer {
  const frames = Math.round(rate * seconds)
  const size = format === 'pcm16' ? 2 : 4
  const out = Buffer.alloc(frames * channels * size)
  for (let index = 0; index < frames; index++) {
    const value = 0.5 * Math.sin((2 * Math.PI * hz * index) / rate)
    for (let channel = 0; channel < channels; channel++) {
      const at = (index * channels + channel) * size
      if (format === 'f32') out.writeFloatLE(value, at)
      else out.writeInt16LE(Math.round(value * 32767), at)
    }
  }
  return out
}

/** Zero crossings per second of 16 kHz pcm16: twice the frequency of a pure tone. */
function crossingsPerSecond(pcm: Buffer): number {
  let crossings = 0
  for (let at = 2; at < pcm.length; at += 2)
    if (pcm.readInt16LE(at) < 0 !== pcm.readInt16LE(at - 2) < 0) crossings++
  return crossings / (pcm.length / 2 / 16_000)
}

for (const [rate, format, channels] of [
  [48_000, 'f32', 2],
  [44_100, 'pcm16', 1],
  [22_050, 'pcm16', 2],
  [8_000, 'pcm16', 1],
] as const) {
  test(`${rate} Hz ${format} ${channels} channel(s) becomes 16 kHz mono with the tone's pitch, across chunk boundaries`, () => {
    const format_ = { sampleRate: rate, format, channels }
    const input = sine(440, rate, 1, format, channels)
    const normalizer = new PcmNormalizer(format_)
    const frame = (format === 'pcm16' ? 2 : 4) * channels
    const pieces: Buffer[] = []
    // Uneven chunks, so the interpolation position crosses boundaries at every fraction.
    for (
      let offset = 0, size = 7;
      offset < input.length;
      offset += size * frame, size = ((size * 13) % 997) + 1
    )
      pieces.push(normalizer.push(input.subarray(offset, offset + size * frame)))
    const out = Buffer.concat(pieces)
    assert.ok(Math.abs(out.length / 2 - 16_000) <= 2, `${out.length / 2} samples`)
    assert.ok(Math.abs(crossingsPerSecond(out) - 880) < 12, `${crossingsPerSecond(out)} crossings`)
    assert.ok(Math.abs(durationMs(input.length, format_) - 1000) < 1)
  })
}

test('a tone above the new Nyquist frequency is filtered out instead of folding into the speech band', () => {
  const level = (pcm: Buffer) => {
    let sum = 0
    // Past the filter's start-up, over whole periods.
    for (let at = 200; at < pcm.length / 2; at++) sum += pcm.readInt16LE(at * 2) ** 2
    return Math.sqrt(sum / (pcm.length / 2 - 200)) / 32768
  }
  for (const rate of [48_000, 44_100, 22_050]) {
    const format = { sampleRate: rate, format: 'f32', channels: 1 } as const
    const passed = level(new PcmNormalizer(format).push(sine(1000, rate, 0.5, 'f32', 1)))
    const folded = level(new PcmNormalizer(format).push(sine(10_000, rate, 0.5, 'f32', 1)))
    assert.ok(passed > 0.33, `1 kHz at ${rate} Hz kept: ${passed}`)
    // 10 kHz would fold to 6 kHz at 16 kHz; 40 dB down is 0.01 of the kept tone's level.
    assert.ok(folded < passed / 100, `10 kHz at ${rate} Hz: ${folded} against ${passed}`)
  }
})

test('partial frames and samples that are not numbers are refused without changing the stream', () => {
  const normalizer = new PcmNormalizer({ sampleRate: 16_000, format: 'f32', channels: 2 })
  assert.throws(() => normalizer.push(Buffer.alloc(6)), /multiple of 8 bytes, got 6/)
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
    const chunk = Buffer.alloc(8)
    chunk.writeFloatLE(bad, 4)
    assert.throws(() => normalizer.push(chunk), /not a number/)
  }
  const fine = Buffer.alloc(8)
  fine.writeFloatLE(0.5, 0)
  fine.writeFloatLE(0.5, 4)
  assert.equal(normalizer.push(fine).readInt16LE(0), 16_384)
})

test('voice.start formats outside 8–48 kHz, pcm16|f32 and 1–8 channels are refused, naming the field', () => {
  assert.deepEqual(parseVoiceFormat({ sampleRate: 8000, format: 'pcm16', channels: 1 }), {
    sampleRate: 8000,
    format: 'pcm16',
    channels: 1,
  })
  for (const [payload, field] of [
    [{ sampleRate: 7999, format: 'pcm16', channels: 1 }, 'sampleRate'],
    [{ sampleRate: 48_001, format: 'pcm16', channels: 1 }, 'sampleRate'],
    [{ sampleRate: 16_000.5, format: 'pcm16', channels: 1 }, 'sampleRate'],
    [{ sampleRate: 16_000, format: 'pcm24', channels: 1 }, 'format'],
    [{ sampleRate: 16_000, format: 'pcm16', channels: 9 }, 'channels'],
    [null, 'sampleRate'],
  ] as const)
    assert.throws(() => parseVoiceFormat(payload), new RegExp(`voice.start ${field} must be`))
})
