import { randomUUID } from 'node:crypto'
import { type Envelope, fail, HubError, ok, type Result } from '../../src/contracts/index.ts'
import type {
  ChatInput,
  ChatPart,
  HealthReport,
  HubPort,
  IngestBody,
  PublishReceipt,
  ReplayQuery,
  SessionSummary,
  TailListener,
  TailQuery,
  TailSubscription,
} from '../../src/kernel/index.ts'

// An in-memory HubPort for server tests and the HTTP bench: a log with seqs, live listeners, a
// scripted chat. It behaves like the contract says (tail resumes with no gap), nothing more.

export interface FakeDraft {
  type: string
  payload?: Record<string, unknown>
  sessionId?: string
  /** Ephemeral events get no seq and are never replayed. */
  ephemeral?: boolean
}

export interface FakeHub extends HubPort {
  readonly log: Envelope[]
  readonly chatInputs: ChatInput[]
  /** Replace to script POST /chat. */
  chatScript: (input: ChatInput) => AsyncIterable<ChatPart>
  healthStatus: 'ok' | 'degraded'
  sessionList: SessionSummary[]
  publish(draft: FakeDraft): Envelope
  /** Open tail subscriptions. */
  tailCount(): number
}

export function typeMatches(pattern: string | undefined, type: string): boolean {
  if (pattern === undefined) return true
  const wanted = pattern.split('.')
  const actual = type.split('.')
  for (let index = 0; index < wanted.length; index++) {
    if (wanted[index] === '>') return actual.length > index
    if (index >= actual.length || (wanted[index] !== '*' && wanted[index] !== actual[index])) return false
  }
  return wanted.length === actual.length
}

function inRange(event: Envelope, query: ReplayQuery): boolean {
  const after = (bound: number | string) =>
    typeof bound === 'number' ? event.seq! >= bound : event.ts >= bound
  const before = (bound: number | string) =>
    typeof bound === 'number' ? event.seq! <= bound : event.ts <= bound
  return (query.from === undefined || after(query.from)) && (query.to === undefined || before(query.to))
}

async function* defaultChat(input: ChatInput): AsyncGenerator<ChatPart> {
  const streamId = randomUUID()
  yield { event: 'stream.start', data: { streamId, meta: { sessionId: input.sessionId ?? 'default' } } }
  const words = `echo: ${input.text}`.split(' ')
  for (const [seq, word] of words.entries()) {
    if (input.signal.aborted) return
    const text = seq === 0 ? word : ` ${word}`
    yield { event: 'stream.chunk', data: { streamId, seq, data: { text } }, text }
  }
  yield { event: 'stream.end', data: { streamId, reason: 'done' } }
}

export function createFakeHub(): FakeHub {
  const log: Envelope[] = []
  const listeners = new Set<(event: Envelope) => void>()

  const publish = (draft: FakeDraft): Envelope => {
    if (typeof draft.type !== 'string' || !/^[a-z0-9_]+(\.[a-z0-9_]+)+$/.test(draft.type)) {
      throw new HubError('E_VALIDATION', 'type must be a catalog name like chat.query', {
        details: {
          issues: [
            { path: '/type', expected: 'namespace.name', got: String(draft.type), message: 'bad type' },
          ],
        },
      })
    }
    const event: Envelope = {
      id: randomUUID(),
      type: draft.type,
      version: 1,
      ts: new Date().toISOString(),
      source: 'fake-hub',
      severity: 'info',
      traceId: randomUUID(),
      tenant: 'default',
      ...(draft.sessionId === undefined ? {} : { sessionId: draft.sessionId }),
      ...(draft.ephemeral === true ? {} : { seq: log.length + 1 }),
      payload: draft.payload ?? {},
    }
    if (draft.ephemeral !== true) log.push(event)
    for (const listener of [...listeners]) listener(event)
    return event
  }

  const receipt = (value: unknown): Result<PublishReceipt> => {
    try {
      const event = publish(value as FakeDraft)
      return ok(event.seq === undefined ? { id: event.id } : { id: event.id, seq: event.seq })
    } catch (error) {
      return fail(error)
    }
  }

  const hub: FakeHub = {
    log,
    chatInputs: [],
    chatScript: defaultChat,
    healthStatus: 'ok',
    sessionList: [{ sessionId: 'default', state: 'idle' }],
    publish,
    tailCount: () => listeners.size,

    // One result per array: the real hub yields an array per published batch.
    async *ingest(body: IngestBody): AsyncGenerator<Result<PublishReceipt>[]> {
      if (body.headers['ce-specversion'] !== undefined) {
        yield [receipt({ type: body.headers['ce-type'], payload: JSON.parse(body.text) })]
        return
      }
      if (body.contentType.includes('ndjson')) {
        // The real hub reads a streamed body line by line; the fake one gathers it first.
        let text = body.text
        if (body.stream !== undefined) {
          const chunks: Uint8Array[] = []
          for await (const chunk of body.stream) chunks.push(chunk)
          text = Buffer.concat(chunks).toString('utf8')
        }
        for (const line of text.split('\n')) {
          if (line.trim() === '') continue
          try {
            yield [receipt(JSON.parse(line))]
          } catch (error) {
            yield [fail(new HubError('E_BAD_REQUEST', `line is not JSON: ${(error as Error).message}`))]
          }
        }
        return
      }
      let value: unknown
      try {
        value = JSON.parse(body.text)
      } catch (error) {
        yield [fail(new HubError('E_BAD_REQUEST', `body is not JSON: ${(error as Error).message}`))]
        return
      }
      for (const item of Array.isArray(value) ? value : [value]) yield [receipt(item)]
    },

    async *replay(query: ReplayQuery): AsyncGenerator<Envelope> {
      let count = 0
      for (const event of log) {
        if (count >= query.limit || query.signal.aborted) return
        if (!inRange(event, query) || !typeMatches(query.filter, event.type)) continue
        count++
        yield event
      }
    },

    tail(query: TailQuery, listener: TailListener, signal: AbortSignal): TailSubscription {
      let replaying = query.fromSeq !== undefined
      let lastSeq = (query.fromSeq ?? 1) - 1
      const held: Envelope[] = []
      const live = (event: Envelope) => {
        if (!typeMatches(query.filter, event.type)) return
        if (replaying) held.push(event)
        else void listener(event)
      }
      const close = () => listeners.delete(live)
      listeners.add(live)
      signal.addEventListener('abort', close, { once: true })
      if (replaying) {
        void (async () => {
          // The log may grow while we await the listener: reading its length each turn covers that.
          for (let index = lastSeq; index < log.length && !signal.aborted; index++) {
            const event = log[index]!
            if (!typeMatches(query.filter, event.type)) continue
            await listener(event)
            lastSeq = event.seq!
          }
          replaying = false
          for (const event of held.splice(0)) {
            if (event.seq === undefined || event.seq > lastSeq) void listener(event)
          }
        })()
      }
      return { close }
    },

    chat(input: ChatInput): AsyncIterable<ChatPart> {
      hub.chatInputs.push(input)
      return hub.chatScript(input)
    },

    sessions: () => hub.sessionList,

    health: (): HealthReport => ({
      status: hub.healthStatus,
      skills: [{ id: 'skill.fake', status: hub.healthStatus }],
      bus: { events: log.length },
    }),
  }
  return hub
}
