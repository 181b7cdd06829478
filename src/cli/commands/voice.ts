// `localhub voice turn|say|transcribe` (docs/voice.md, "From the terminal").
import { type CommandGroup, type CommandIo, UsageError, writeLine } from '../io.ts'
import { EXIT_BAD_FILE, EXIT_NO_HUB, EXIT_TURN_FAILED, EXIT_USAGE } from './voice-files.ts'
import { SAY_USAGE, say, TRANSCRIBE_USAGE, transcribeFile } from './voice-local.ts'
import { MODE_USAGE, voiceMode, voiceWakeWords, WAKE_WORDS_USAGE } from './voice-mode.ts'
import { NoHubError, TURN_USAGE, voiceTurn } from './voice-turn.ts'
import { WaveFileError } from './voice-wave.ts'

const VERBS: Readonly<
  Record<string, { usage: string; execute: (args: string[], io: CommandIo) => Promise<number> }>
> = {
  turn: { usage: TURN_USAGE, execute: voiceTurn },
  say: { usage: SAY_USAGE, execute: say },
  transcribe: { usage: TRANSCRIBE_USAGE, execute: transcribeFile },
  mode: { usage: MODE_USAGE, execute: voiceMode },
  'wake-words': { usage: WAKE_WORDS_USAGE, execute: voiceWakeWords },
}

const USAGE = [
  'usage: localhub voice <turn|say|transcribe|mode|wake-words> ...',
  '',
  '  turn FILE.wav --out ANSWER.wav   one voice turn with the running hub',
  '  say "text" --out FILE.wav        speak text with flite (no hub needed)',
  '  transcribe FILE.wav              print what pocketsphinx hears (no hub needed)',
  '  mode [off|push_to_talk|wake_word|talk]   show or switch the hands-free mode',
  '  wake-words ["PHRASE" …]          show or replace the wake phrases',
  '',
  'Exit codes: 0 done, 1 the turn or engine failed, 2 usage, 3 input/output file, 4 no hub reachable.',
].join('\n')

export const run: CommandGroup = async (args, io) => {
  const [verb, ...rest] = args
  if (verb === undefined || verb === '--help' || verb === '-h') {
    writeLine(io.stdout, USAGE)
    return verb === undefined ? EXIT_USAGE : 0
  }
  const entry = VERBS[verb]
  if (entry === undefined || !Object.hasOwn(VERBS, verb)) {
    writeLine(io.stderr, `localhub voice: unknown verb '${verb}'\n\n${USAGE}`)
    return EXIT_USAGE
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    writeLine(io.stdout, entry.usage)
    return 0
  }
  try {
    return await entry.execute(rest, io)
  } catch (error) {
    const name = `localhub voice ${verb}`
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      writeLine(io.stderr, `${name}: ${(error as Error).message}\n\n${entry.usage}`)
      return EXIT_USAGE
    }
    if (error instanceof WaveFileError) {
      writeLine(io.stderr, `${name}: ${error.message}`)
      return EXIT_BAD_FILE
    }
    if (error instanceof NoHubError) {
      writeLine(io.stderr, `${name}: ${error.message}`)
      return EXIT_NO_HUB
    }
    const code = (error as { code?: unknown }).code
    const prefix = typeof code === 'string' && code.startsWith('E_') ? `${code}: ` : ''
    writeLine(io.stderr, `${name}: ${prefix}${(error as Error)?.message}`)
    return EXIT_TURN_FAILED
  }
}
