import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { AUTH_TOKEN_FILE, findRunningServer, TOKEN_ENV_VARIABLE } from '../../kernel/index.ts'
import { SseParser } from '../../skills/llm/index.ts'
import { parseArgs } from '../args.ts'
import { printedHelp } from '../help.ts'
import { type CommandGroup, type CommandIo, writeLine } from '../io.ts'
import { DATA_DIR_HELP, dataDirFor } from './data-dir.ts'

const USAGE = `usage: localhub chat [message...] [options]

Streams answers from the running hub (start it with \`localhub serve\`). With a message, asks once
and exits; without one, reads a message per line until end of input (Ctrl+D).

  --data DIR       data directory of the running hub (${DATA_DIR_HELP})
  --url URL        the hub's URL instead of the one recorded in the data directory
  --session ID     continue a session (default: one new session for this run)
  --json           print the raw SSE events as JSON lines`

interface Target {
  url: string
  token: string
}

export async function findTarget(values: Record<string, unknown>, io: CommandIo): Promise<Target | string> {
  const dataDir = dataDirFor(values.data === undefined ? undefined : String(values.data), io)
  let url = values.url === undefined ? undefined : String(values.url)
  if (url === undefined) {
    const running = await findRunningServer(dataDir)
    if (running === undefined)
      return `no running hub found in ${dataDir}; start one with \`localhub serve --data ${dataDir}\` or pass --url`
    url = running.url
  }
  let token = io.env[TOKEN_ENV_VARIABLE]
  if (token === undefined) {
    try {
      token = readFileSync(join(dataDir, AUTH_TOKEN_FILE), 'utf8').trim()
    } catch {
      return `cannot read the token in ${join(dataDir, AUTH_TOKEN_FILE)}; set ${TOKEN_ENV_VARIABLE}`
    }
  }
  return { url, token }
}

/**
 * A refused /chat: the hub's result envelope says its code and message; anything else (an HTML
 * 404, another program on the port) is named as not a hub, without echoing its page.
 */
function failureOf(url: string, response: Response, body: string): string {
  try {
    const { error } = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } }
    if (typeof error?.code === 'string' && typeof error.message === 'string')
      return `${error.code}: ${error.message} (HTTP ${response.status})`
  } catch {
    // Not JSON: not a hub's answer.
  }
  const type = response.headers.get('content-type') ?? 'no content type'
  return `E_DEPENDENCY_UNAVAILABLE: ${url} answered HTTP ${response.status} (${type}), not as a hub does; is it a hub's URL?`
}

/** Sends one message; returns the session id the hub used, or undefined after an error. */
async function ask(
  target: Target,
  text: string,
  sessionId: string | undefined,
  json: boolean,
  io: CommandIo,
): Promise<{ sessionId?: string; ok: boolean }> {
  const response = await fetch(new URL('/chat', target.url), {
    method: 'POST',
    headers: {
      authorization: `Bearer ${target.token}`,
      'content-type': 'application/json',
      accept: 'text/event-stream',
    },
    body: JSON.stringify({ text, ...(sessionId === undefined ? {} : { sessionId }) }),
  })
  if (!response.ok || response.body === null) {
    writeLine(io.stderr, `localhub chat: ${failureOf(target.url, response, await response.text())}`)
    return { ok: false }
  }
  const parser = new SseParser()
  let session = sessionId
  let ok = true
  const handle = (event: { event: string; data: string }) => {
    const data = JSON.parse(event.data) as Record<string, unknown>
    if (json) {
      writeLine(io.stdout, JSON.stringify({ event: event.event, data }))
      return
    }
    if (event.event === 'stream.start') session = String(data.sessionId ?? session)
    else if (event.event === 'stream.chunk')
      io.stdout.write(String((data.data as { text?: string })?.text ?? ''))
    else if (event.event === 'stream.end') {
      io.stdout.write('\n')
      const citations =
        (data.citations as {
          n: number
          title: string
          location?: { path?: string; startLine?: number }
        }[]) ?? []
      for (const citation of citations) {
        writeLine(
          io.stdout,
          `  [${citation.n}] ${citation.title} ${citation.location?.path ?? ''}${citation.location?.startLine ? `:${citation.location.startLine}` : ''}`,
        )
      }
    } else if (event.event === 'error') {
      ok = false
      const error = (data.error ?? {}) as { code?: string; message?: string }
      writeLine(io.stderr, `\n${error.code ?? 'E_UNKNOWN'}: ${error.message ?? 'the turn failed'}`)
    }
  }
  for await (const chunk of response.body) for (const event of parser.push(chunk as Uint8Array)) handle(event)
  for (const event of parser.end()) handle(event)
  return { ...(session === undefined ? {} : { sessionId: session }), ok }
}

export const run: CommandGroup = async (args, io) => {
  let parsed: ReturnType<typeof parseArgs>
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        data: { type: 'string' },
        url: { type: 'string' },
        session: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (error) {
    writeLine(io.stderr, `localhub chat: ${(error as Error).message}\n\n${USAGE}`)
    return 2
  }
  const { values, positionals } = parsed
  if (printedHelp(values, io, USAGE)) return 0
  const target = await findTarget(values, io)
  if (typeof target === 'string') {
    writeLine(io.stderr, `localhub chat: ${target}`)
    return 1
  }
  const json = values.json === true
  let sessionId = values.session === undefined ? undefined : String(values.session)
  try {
    if (positionals.length > 0)
      return (await ask(target, positionals.join(' '), sessionId, json, io)).ok ? 0 : 1
    let failures = 0
    for await (const line of createInterface({ input: io.stdin, crlfDelay: Number.POSITIVE_INFINITY })) {
      if (line.trim() === '') continue
      const outcome = await ask(target, line, sessionId, json, io)
      sessionId = outcome.sessionId ?? sessionId
      if (!outcome.ok) failures++
    }
    return failures === 0 ? 0 : 1
  } catch (error) {
    // fetch says only "fetch failed"; its cause says why (ECONNREFUSED, ENOTFOUND, …).
    const cause = (error as { cause?: { code?: unknown } }).cause?.code
    const why = typeof cause === 'string' ? cause : (error as Error).message
    writeLine(io.stderr, `localhub chat: E_DEPENDENCY_UNAVAILABLE: cannot reach ${target.url}: ${why}`)
    return 1
  }
}
