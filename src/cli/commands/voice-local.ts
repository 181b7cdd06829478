// `localhub voice say` and `localhub voice transcribe` run the TTS and STT skills' engines (flite,
// pocketsphinx) in this process: no hub, no model, no token needed (decision 1507).

import { DEFAULT_POCKETSPHINX_BINARY, startPocketsphinx } from '../../skills/stt/index.ts'
import { DEFAULT_FLITE_BINARY, DEFAULT_FLITE_VOICE, speakWithFlite } from '../../skills/tts/index.ts'
import { parseArgs } from '../args.ts'
import { type CommandIo, UsageError, writeLine } from '../io.ts'
import { readInputWave, writeOutputFile } from './voice-files.ts'
import { encodeWave, toRecogniserPcm } from './voice-wave.ts'

export const SAY_USAGE = `usage: localhub voice say "text" --out FILE.wav [--voice slt] [--flite BINARY]

Speaks the text with flite (the TTS skill's engine) into a 16-bit mono WAV file.`

export const TRANSCRIBE_USAGE = `usage: localhub voice transcribe FILE.wav [--json] [--pocketsphinx BINARY]

Prints what pocketsphinx (the STT skill's engine) hears in a WAV file (16-bit PCM or 32-bit float,
1–8 channels, 8–48 kHz; converted to 16 kHz mono first).`

export async function say(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      out: { type: 'string', short: 'o' },
      voice: { type: 'string' },
      flite: { type: 'string' },
    },
  })
  const text = positionals.join(' ').trim()
  if (text === '') throw new UsageError('say needs the text to speak')
  if (values.out === undefined) throw new UsageError('say needs --out FILE.wav')
  const speech = await speakWithFlite(
    values.flite ?? DEFAULT_FLITE_BINARY,
    values.voice ?? DEFAULT_FLITE_VOICE,
    text,
    new AbortController().signal,
  )
  await writeOutputFile(values.out, encodeWave(speech.pcm, speech.sampleRate), io)
  const ms = Math.round((speech.pcm.length / 2 / speech.sampleRate) * 1000)
  writeLine(io.stderr, `wrote ${values.out} (${ms} ms, ${speech.sampleRate} Hz)`)
  return 0
}

export async function transcribeFile(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: 'boolean' }, pocketsphinx: { type: 'string' } },
  })
  if (positionals.length !== 1) throw new UsageError('transcribe takes one WAV file')
  const wave = await readInputWave(positionals[0]!, io)
  const session = startPocketsphinx(
    values.pocketsphinx ?? DEFAULT_POCKETSPHINX_BINARY,
    new AbortController().signal,
    () => undefined,
  )
  await session.write(toRecogniserPcm(wave))
  const transcript = await session.finish()
  if (values.json === true) writeLine(io.stdout, JSON.stringify(transcript))
  else writeLine(io.stdout, transcript.text)
  if (transcript.text === '') {
    writeLine(io.stderr, 'no words were recognised')
    return 1
  }
  return 0
}
