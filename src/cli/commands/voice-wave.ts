// WAV files for `localhub voice`: what the voice protocol can carry (pcm16 or f32, 1–8 channels,
// 8–48 kHz) is read; the rest is refused with a reason the person can act on.

/** Why a file cannot be used; the command turns it into exit code 3. */
export class WaveFileError extends Error {}

export const MIN_WAVE_SAMPLE_RATE_HZ = 8_000
export const MAX_WAVE_SAMPLE_RATE_HZ = 48_000
export const MAX_WAVE_CHANNELS = 8
/** What pocketsphinx's English model reads. */
export const RECOGNISER_SAMPLE_RATE_HZ = 16_000

const FORMAT_PCM = 1
const FORMAT_FLOAT = 3
const FORMAT_EXTENSIBLE = 0xfffe

export interface Wave {
  sampleRate: number
  channels: number
  format: 'pcm16' | 'f32'
  /** Little-endian samples, channels interleaved. */
  data: Buffer
}

export function frameBytesOf(wave: Pick<Wave, 'channels' | 'format'>): number {
  return (wave.format === 'pcm16' ? 2 : 4) * wave.channels
}

export function durationMsOf(wave: Wave): number {
  return Math.round((wave.data.length / frameBytesOf(wave) / wave.sampleRate) * 1000)
}

function formatOf(code: number, bits: number): 'pcm16' | 'f32' {
  if (code === FORMAT_PCM && bits === 16) return 'pcm16'
  if (code === FORMAT_FLOAT && bits === 32) return 'f32'
  const kind = code === FORMAT_PCM ? 'integer PCM' : code === FORMAT_FLOAT ? 'float' : `format code ${code}`
  throw new WaveFileError(
    `unsupported format: ${bits}-bit ${kind}; use 16-bit PCM or 32-bit float (e.g. \`sox in.wav -b 16 out.wav\`)`,
  )
}

/** Parses a RIFF/WAVE file; throws WaveFileError when it is not one or cannot be streamed. */
export function parseWave(file: Buffer, name: string): Wave {
  if (file.length < 12 || file.toString('ascii', 0, 4) !== 'RIFF' || file.toString('ascii', 8, 12) !== 'WAVE')
    throw new WaveFileError(`${name} is not a WAV file (no RIFF/WAVE header)`)
  let offset = 12
  let header: Omit<Wave, 'data'> | undefined
  while (offset + 8 <= file.length) {
    const id = file.toString('ascii', offset, offset + 4)
    const size = file.readUInt32LE(offset + 4)
    const body = offset + 8
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > file.length)
        throw new WaveFileError(`${name} has a truncated format chunk`)
      let code = file.readUInt16LE(body)
      const channels = file.readUInt16LE(body + 2)
      const sampleRate = file.readUInt32LE(body + 4)
      const bits = file.readUInt16LE(body + 14)
      // WAVE_FORMAT_EXTENSIBLE names the real format in the first two bytes of its sub-format GUID.
      if (code === FORMAT_EXTENSIBLE && size >= 40 && body + 26 <= file.length)
        code = file.readUInt16LE(body + 24)
      const format = formatOf(code, bits)
      if (channels < 1 || channels > MAX_WAVE_CHANNELS)
        throw new WaveFileError(
          `unsupported format: ${channels} channels; 1 to ${MAX_WAVE_CHANNELS} are accepted`,
        )
      if (sampleRate < MIN_WAVE_SAMPLE_RATE_HZ || sampleRate > MAX_WAVE_SAMPLE_RATE_HZ)
        throw new WaveFileError(
          `unsupported format: ${sampleRate} Hz; ${MIN_WAVE_SAMPLE_RATE_HZ} to ${MAX_WAVE_SAMPLE_RATE_HZ} Hz are accepted`,
        )
      header = { sampleRate, channels, format }
    } else if (id === 'data') {
      if (header === undefined) throw new WaveFileError(`${name} has its data before its format chunk`)
      const frame = frameBytesOf(header)
      const end = Math.min(file.length, body + size)
      const usable = end - body - ((end - body) % frame)
      if (usable <= 0) throw new WaveFileError(`${name} has no audio`)
      return { ...header, data: file.subarray(body, body + usable) }
    }
    offset = body + size + (size % 2)
  }
  throw new WaveFileError(`${name} has no ${header === undefined ? 'format' : 'data'} chunk`)
}

/** A 16-bit mono RIFF/WAVE file. */
export function encodeWave(pcm: Buffer, sampleRate: number): Buffer {
  const header = Buffer.alloc(44)
  header.write('RIFF', 0, 'ascii')
  header.writeUInt32LE(36 + pcm.length, 4)
  header.write('WAVE', 8, 'ascii')
  header.write('fmt ', 12, 'ascii')
  header.writeUInt32LE(16, 16)
  header.writeUInt16LE(FORMAT_PCM, 20)
  header.writeUInt16LE(1, 22)
  header.writeUInt32LE(sampleRate, 24)
  header.writeUInt32LE(sampleRate * 2, 28)
  header.writeUInt16LE(2, 32)
  header.writeUInt16LE(16, 34)
  header.write('data', 36, 'ascii')
  header.writeUInt32LE(pcm.length, 40)
  return Buffer.concat([header, pcm])
}

function monoSamples(wave: Wave): Float64Array {
  const frames = wave.data.length / frameBytesOf(wave)
  const mono = new Float64Array(frames)
  for (let index = 0; index < frames; index++) {
    let sum = 0
    for (let channel = 0; channel < wave.channels; channel++) {
      const sample = index * wave.channels + channel
      const value =
        wave.format === 'pcm16'
          ? wave.data.readInt16LE(sample * 2) / 32768
          : wave.data.readFloatLE(sample * 4)
      sum += Number.isFinite(value) ? value : 0
    }
    mono[index] = sum / wave.channels
  }
  return mono
}

/** Of the target rate: where the low-pass before downsampling cuts (7.2 kHz at 16 kHz). */
const LOW_PASS_CUTOFF_OF_TARGET = 0.45
/** Filter length per unit of the rate ratio (48 kHz → 16 kHz: 3 × 16 + 1 taps). */
const LOW_PASS_TAPS_PER_RATIO = 16

/** A Blackman-windowed sinc low-pass, `cutoff` as a fraction of the input rate, normalised to gain 1. */
function lowPassKernel(taps: number, cutoff: number): Float64Array {
  const kernel = new Float64Array(taps)
  const middle = (taps - 1) / 2
  let sum = 0
  for (let index = 0; index < taps; index++) {
    const x = index - middle
    const sinc = x === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * x) / (Math.PI * x)
    const phase = (2 * Math.PI * index) / (taps - 1)
    kernel[index] = sinc * (0.42 - 0.5 * Math.cos(phase) + 0.08 * Math.cos(2 * phase))
    sum += kernel[index]!
  }
  return kernel.map((value) => value / sum)
}

function lowPass(samples: Float64Array, kernel: Float64Array): Float64Array {
  const half = (kernel.length - 1) / 2
  const out = new Float64Array(samples.length)
  for (let index = 0; index < samples.length; index++) {
    let sum = 0
    for (let tap = 0; tap < kernel.length; tap++) {
      const at = index + tap - half
      if (at >= 0 && at < samples.length) sum += kernel[tap]! * samples[at]!
    }
    out[index] = sum
  }
  return out
}

/**
 * 16 kHz mono pcm16 for the local recogniser, the way the hub's entry converts (docs/voice.md):
 * channels averaged; when downsampling, a windowed-sinc low-pass first so that what lies above
 * 8 kHz does not fold into the speech band; then linear interpolation.
 */
export function toRecogniserPcm(wave: Wave): Buffer {
  const step = wave.sampleRate / RECOGNISER_SAMPLE_RATE_HZ
  let mono = monoSamples(wave)
  if (step > 1) {
    const taps = 2 * Math.round((LOW_PASS_TAPS_PER_RATIO * step) / 2) + 1
    mono = lowPass(
      mono,
      lowPassKernel(taps, (LOW_PASS_CUTOFF_OF_TARGET * RECOGNISER_SAMPLE_RATE_HZ) / wave.sampleRate),
    )
  }
  const count = Math.floor((mono.length - 1) / step) + 1
  const out = Buffer.alloc(count * 2)
  for (let index = 0; index < count; index++) {
    const position = index * step
    const left = Math.floor(position)
    const fraction = position - left
    const value = mono[left]! * (1 - fraction) + mono[Math.min(mono.length - 1, left + 1)]! * fraction
    out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(value * 32767))), index * 2)
  }
  return out
}
