import { type CommandIo, writeLine } from './io.ts'

// How a command answers a request for its usage, the same way in every group.

/** Words that ask a command group for its usage in place of a verb. */
const HELP_WORDS: ReadonlySet<string | undefined> = new Set(['--help', '-h', 'help'])

export function isHelpWord(word: string | undefined): boolean {
  return HELP_WORDS.has(word)
}

/** `--help`: prints the usage on stdout and answers true (the command then exits 0). */
export function printedHelp(values: { help?: unknown }, io: CommandIo, usage: string): boolean {
  if (values.help !== true) return false
  writeLine(io.stdout, usage)
  return true
}

/**
 * The usage of a group with verbs: asked for, on stdout (exit 0); no verb, on stderr (exit 2).
 * Answers the exit code, or undefined when there is a verb to run.
 */
export function verbUsage(
  asked: boolean,
  verb: string | undefined,
  io: CommandIo,
  usage: string,
): number | undefined {
  if (asked) {
    writeLine(io.stdout, usage)
    return 0
  }
  if (verb !== undefined) return undefined
  writeLine(io.stderr, usage)
  return 2
}
