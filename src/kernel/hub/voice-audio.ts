import { HubError } from '../../contracts/index.ts'

/** What the voice entry hands a run: 16 kHz mono pcm16, what pocketsphinx and whisper expect. */
export const VOICE_RUN_SAMPLE_RATE_HZ = 16_000
/** Sample rates a client may send (the hub resamples). */
export const MIN_VOICE_SAMPLE_RATE_HZ = 8_000
export const MAX_VOICE_SAMPLE_RATE_HZ = 48_000
export const MAX_VOICE_CHANNELS = 8

export interface VoiceFormat {
  sampleRate: number
  format: 'pcm16' | 'f32'
  channels: number
}

/** Checks a voice.start payload; the message names the field and the allowed values. */
export function parseVoiceFormat(payload: unknown): VoiceFormat {
  const value = (payload ?? {}) as Record<string, unknown>
  const { sampleRate, format, channels } = value
  if (
    typeof sampleRate !== 'number' ||
    !Number.isInteger(sampleRate) ||
    sampleRate < MIN_VOICE_SAMPLE_RATE_HZ ||
    sampleRate > MAX_VOICE_SAMPLE_RATE_HZ
  )
    throw new HubError(
      'E_VALIDATION',
      `voice.start sampleRate must be an integer from ${MIN_VOICE_SAMPLE_RATE_HZ} to ${MAX_VOICE_SAMPLE_RATE_HZ} Hz, got ${JSON.stringify(sampleRate)}`,
    )
  if (format !== 'pcm16' && format !== 'f32')
    throw new HubError(
      'E_VALIDATION',
      `voice.start format must be pcm16 or f32, got ${JSON.stringify(format)}`,
    )
  if (
    typeof channels !== 'number' ||
    !Number.isInteger(channels) ||
    channels < 1 ||
    channels > MAX_VOICE_CHANNELS
  )
    throw new HubError(
      'E_VALIDATION',
      `voice.start channels must be an integer from 1 to ${MAX_VOICE_CHANNELS}, got ${JSON.stringify(channels)}`,
    )
  return { sampleRate, format, channels }
}

/** Bytes of one frame (a sample of every channel). */
export function frameBytes(format: VoiceFormat): number {
  return (format.format === 'pcm16' ? 2 : 4) * format.channels
}

/** Duration of `bytes` of audio in `format`, in milliseconds. */
export function durationMs(bytes: number, format: VoiceFormat): number {
  return (bytes / frameBytes(format) / format.sampleRate) * 1000
}

/** Taps of the low-pass filter per unit of rate ratio (48 kHz → 16 kHz: 73 taps). */
const FILTER_TAPS_PER_RATIO = 24
/** Where the low-pass filter is down 6 dB, as a fraction of the output rate (Nyquist is 0.5). */
const FILTER_CUTOFF_OF_TARGET = 0.45

/** A Blackman-windowed sinc low-pass (about 74 dB down in its stop band), normalised to unit gain. */
function lowPass(taps: number, cutoff: number): Float64Array {
  const kernel = new Float64Array(taps)
  const middle = (taps - 1) / 2
  let sum = 0
  for (let index = 0; index < taps; index++) {
    const x = index - middle
    const sinc = x === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * x) / (Math.PI * x)
    const window =
      0.42 -
      0.5 * Math.cos((2 * Math.PI * index) / (taps - 1)) +
      0.08 * Math.cos((4 * Math.PI * index) / (taps - 1))
    kernel[index] = sinc * window
    sum += kernel[index]!
  }
  for (let index = 0; index < taps; index++) kernel[index]! /= sum
  return kernel
}

/**
 * Turns a client's audio (pcm16 or f32, 1–8 channels, 8–48 kHz) into 16 kHz mono pcm16, chunk by
 * chunk: channels are averaged; when downsampling, a windowed-sinc low-pass keeps what lies above
 * the new Nyquist frequency from folding into the speech band; linear interpolation then picks the
 * output samples, carrying its position (and the filter its history) across chunk boundaries.
 */
export class PcmNormalizer {
  readonly #format: VoiceFormat
  readonly #step: number
  readonly #kernel: Float64Array | undefined
  #history: Float64Array
  #previous: number | undefined
  // Position of the next output sample, in input samples from the start of the next chunk.
  #position = 0

  constructor(format: VoiceFormat, targetRate: number = VOICE_RUN_SAMPLE_RATE_HZ) {
    this.#format = format
    this.#step = format.sampleRate / targetRate
    if (this.#step > 1) {
      const taps = 2 * Math.round(FILTER_TAPS_PER_RATIO * this.#step * 0.5) + 1
      this.#kernel = lowPass(taps, (FILTER_CUTOFF_OF_TARGET * targetRate) / format.sampleRate)
    }
    this.#history = new Float64Array(this.#kernel === undefined ? 0 : this.#kernel.length - 1)
  }

  /** Converts one chunk; throws E_VALIDATION for a partial frame or a sample that is not a number. */
  push(bytes: Buffer): Buffer {
    const frame = frameBytes(this.#format)
    if (bytes.length % frame !== 0)
      throw new HubError(
        'E_VALIDATION',
        `a chunk of ${this.#format.format} with ${this.#format.channels} channel(s) is a multiple of ${frame} bytes, got ${bytes.length}`,
      )
    const mono = this.#toMono(bytes)
    const filtered = this.#filter(mono)
    return this.#resample(filtered)
  }

  #toMono(bytes: Buffer): Float64Array {
    const { channels, format } = this.#format
    const frames = bytes.length / frameBytes(this.#format)
    const mono = new Float64Array(frames)
    for (let index = 0; index < frames; index++) {
      let sum = 0
      for (let channel = 0; channel < channels; channel++) {
        const sample = index * channels + channel
        const value =
          format === 'pcm16' ? bytes.readInt16LE(sample * 2) / 32768 : bytes.readFloatLE(sample * 4)
        if (!Number.isFinite(value))
          throw new HubError('E_VALIDATION', `f32 sample ${sample} of the chunk is ${value}, not a number`)
        sum += value
      }
      mono[index] = sum / channels
    }
    return mono
  }

  #filter(samples: Float64Array): Float64Array {
    const kernel = this.#kernel
    if (kernel === undefined || samples.length === 0) return samples
    const input = new Float64Array(this.#history.length + samples.length)
    input.set(this.#history)
    input.set(samples, this.#history.length)
    const out = new Float64Array(samples.length)
    for (let index = 0; index < samples.length; index++) {
      let sum = 0
      for (let tap = 0; tap < kernel.length; tap++) sum += kernel[tap]! * input[index + tap]!
      out[index] = sum
    }
    this.#history = input.slice(input.length - this.#history.length)
    return out
  }
  #resample(samples: Float64Array): Buffer {
    const count = samples.length
    if (count === 0) return Buffer.alloc(0)
    const at = (index: number) => (index < 0 ? (this.#previous ?? samples[0]!) : samples[index]!)
    const values: number[] = []
    let position = this.#position
    while (position <= count - 1) {
      const index = Math.floor(position)
      const fraction = position - index
      const value = fraction === 0 ? at(index) : at(index) * (1 - fraction) + at(index + 1) * fraction
      values.push(value)
      position += this.#step
    }
    this.#position = position - count
    this.#previous = samples[count - 1]
    const out = Buffer.alloc(values.length * 2)
    for (const [index, value] of values.entries())
      out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(value * 32768))), index * 2)
    return out
  }
}
