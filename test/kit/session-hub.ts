// A whole hub in this process behind a loopback Ollama whose scripted model writes two notes
// through the file tools when asked ("write two notes"), so tests of readers (the stored form,
// the clients, the docs' examples) see a session with chat, tool calls, approvals and the DLQ.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DEFAULT_MANIFEST_PATH, openHub, type RunningHub } from '../../src/kernel/index.ts'
import { type FakeOllamaServer, type ScriptRequest, startOllamaServer } from './llm-servers/index.ts'
import { makeTempDir } from './temp-dir.ts'

/** What the scripted model answers after it wrote both notes. */
export const NOTES_REPLY = 'Both notes are written.'
/** The files the scripted model writes, relative to the workspace. */
export const NOTE_PATHS = ['notes/first.md', 'notes/second.md'] as const

export interface SessionHub {
  /** The running hub (a new object after restart()). */
  readonly hub: RunningHub
  ollama: FakeOllamaServer
  workspace: string
  /** Closes the hub and opens it again on the same port and data: clients see a dropped connection. */
  restart(): Promise<void>
  close(): Promise<void>
}

function toolAnswers(request: ScriptRequest): number {
  return request.messages.filter((message) => message.role === 'tool').length
}

function lastUserText(request: ScriptRequest): string {
  return [...request.messages].reverse().find((message) => message.role === 'user')?.content ?? ''
}

/** Starts the loopback model and a hub whose file tools work in a temporary workspace. */
export async function startSessionHub(prefix = 'localhub-session-'): Promise<SessionHub> {
  const temp = makeTempDir(prefix)
  const workspace = join(temp.path, 'workspace')
  mkdirSync(join(workspace, 'notes'), { recursive: true })
  const manifest = readFileSync(DEFAULT_MANIFEST_PATH, 'utf8').replace(
    /path: "~\/projects"/,
    `path: ${JSON.stringify(workspace)}`,
  )
  writeFileSync(join(temp.path, 'manifest.yaml'), manifest)
  let ollama: FakeOllamaServer | undefined
  try {
    ollama = await startOllamaServer({
      models: ['tiny'],
      toolCalls: (request) => {
        const done = toolAnswers(request)
        if (!/two notes/.test(lastUserText(request)) || done >= NOTE_PATHS.length) return undefined
        return [{ name: 'write_file', arguments: { path: NOTE_PATHS[done]!, content: `note ${done + 1}\n` } }]
      },
      reply: (request) =>
        toolAnswers(request) > 0 ? NOTES_REPLY : `Hello. You said: ${lastUserText(request)}`,
    })
    const started = ollama
    const open = (port: number) =>
      openHub({
        dataDir: join(temp.path, 'data'),
        manifestPath: join(temp.path, 'manifest.yaml'),
        port,
        logger: false,
        llmFlags: { baseUrl: started.url, model: 'tiny' },
      })
    let hub = await open(0)
    return {
      get hub() {
        return hub
      },
      ollama: started,
      workspace,
      async restart() {
        const port = Number(new URL(hub.url).port)
        await hub.close()
        hub = await open(port)
      },
      async close() {
        await hub.close()
        await started.close()
        temp.remove()
      },
    }
  } catch (error) {
    await ollama?.close()
    temp.remove()
    throw error
  }
}

/**
 * Puts one dead letter in the hub's DLQ: a durable consumer that always fails gets one
 * `ui.feedback` event, and the bus moves it to the DLQ after its single delivery.
 */
export async function makeDeadLetter(hub: RunningHub, target: string): Promise<void> {
  await hub.bus.subscribe(
    'ui.feedback',
    () => {
      throw new Error('this consumer always fails')
    },
    { durable: `dead-letter-maker-${target}`, maxDeliver: 1 },
  )
  await hub.bus.publish({ type: 'ui.feedback', payload: { target, helpful: false } })
}
