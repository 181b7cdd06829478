// `localhub voice mode [MODE]` and `localhub voice wake-words [PHRASE…]`: the running hub's hands-free
// settings through GET/PUT /voice/mode and /voice/wake-words (docs/voice.md, "Hands-free").
import { parseArgs } from '../args.ts'
import { type CommandIo, UsageError, writeLine } from '../io.ts'
import { DATA_DIR_HELP } from './data-dir.ts'
import { findHub, NoHubError } from './voice-turn.ts'

export const MODE_USAGE = `usage: localhub voice mode [off|push_to_talk|wake_word|talk] [--data DIR] [--url URL] [--json]

Without a mode, prints the running hub's voice mode (and whether dnd mutes it); with one, switches
to it at once (saved in the data directory).

  --data DIR   data directory of the running hub (${DATA_DIR_HELP})
  --url URL    the hub's URL instead of the one recorded in the data directory
  --json       print the answer as JSON`

export const WAKE_WORDS_USAGE = `usage: localhub voice wake-words ["PHRASE" …] [--threshold T] [--data DIR] [--url URL] [--json]

Without phrases, prints the wake phrases and their thresholds; with them, replaces them at once
(every listening source uses them from its next audio on). --threshold applies to every phrase
given (default 1e-20; lower wakes more eagerly).`

interface Answer {
  ok: boolean
  data?: { mode?: string; dnd?: boolean; phrases?: { phrase: string; threshold: number }[] }
  error?: { code: string; message: string }
}

async function call(values: { data?: string; url?: string }, io: CommandIo, path: string, body?: unknown) {
  const hub = await findHub(values, io)
  let response: Response
  try {
    response = await fetch(new URL(path, hub.url), {
      method: body === undefined ? 'GET' : 'PUT',
      headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
  } catch (error) {
    throw new NoHubError(`cannot reach ${hub.url}: ${(error as Error).message}`)
  }
  if (response.status === 401) throw new NoHubError(`${hub.url} refused the token (401)`)
  if (response.status === 404)
    throw Object.assign(
      new Error('the hub has no hands-free voice: enable skill.voice.wake in its manifest'),
      {
        code: 'E_NOT_FOUND',
      },
    )
  const answer = (await response.json()) as Answer
  if (!answer.ok)
    throw Object.assign(new Error(answer.error?.message ?? 'failed'), { code: answer.error?.code })
  return answer.data ?? {}
}

const OPTIONS = {
  data: { type: 'string' },
  url: { type: 'string' },
  json: { type: 'boolean' },
} as const

export async function voiceMode(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: OPTIONS })
  if (positionals.length > 1) throw new UsageError('mode takes at most one mode')
  const data = await call(
    values,
    io,
    '/voice/mode',
    positionals.length === 0 ? undefined : { mode: positionals[0] },
  )
  if (values.json === true) writeLine(io.stdout, JSON.stringify(data))
  else writeLine(io.stdout, `${data.mode}${data.dnd === true ? ' (muted: dnd)' : ''}`)
  return 0
}

export async function voiceWakeWords(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...OPTIONS, threshold: { type: 'string' } },
  })
  const threshold = values.threshold === undefined ? undefined : Number(values.threshold)
  if (threshold !== undefined && !Number.isFinite(threshold))
    throw new UsageError('--threshold takes a number')
  const body =
    positionals.length === 0
      ? undefined
      : {
          phrases: positionals.map((phrase) =>
            threshold === undefined ? { phrase } : { phrase, threshold },
          ),
        }
  const data = await call(values, io, '/voice/wake-words', body)
  if (values.json === true) writeLine(io.stdout, JSON.stringify(data))
  else for (const entry of data.phrases ?? []) writeLine(io.stdout, `${entry.phrase}\t${entry.threshold}`)
  return 0
}
