import { createHash } from 'node:crypto'
import { type Envelope, HubError } from '../../contracts/index.ts'
import { type RunInbox, runInbox, type StepContext } from '../../skill-api/index.ts'
import type { RecognitionSession, Transcript } from './pocketsphinx.ts'

/** The audio format the voice entry delivers to a run (docs/voice.md). */
const EXPECTED_FORMAT = { sampleRate: 16_000, format: 'pcm16', channels: 1 }

export type StartRecognition = (
  signal: AbortSignal,
  onSegment: (textSoFar: string) => void,
) => RecognitionSession

/**
 * The STT step: reads the utterance from the run's inbox (voice.start, the chunks the recv step
 * already took, then chunks up to voice.end), feeds the engine while the person still speaks,
 * streams stt.partial as segments are recognised, and ends with stt.final and `run.text`. With
 * seed 003's types provided it also stores voice.session.started (a session's first turn),
 * voice.asr.partial and voice.asr.final, whose text the log keeps as sha256 + length.
 */
/** Seed 003's stored voice events this step can emit; each only when the skill provides it. */
export const SEED_STT_TYPES = ['voice.session.started', 'voice.asr.partial', 'voice.asr.final'] as const

export interface TranscribeOptions {
  /** The language the engine recognises, for seed 003's events. */
  language: string
  /** The seed 003 types the skill's manifest entry provides. */
  seedTypes?: ReadonlySet<string>
  /** Sessions already announced with voice.session.started (a connection runs many turns). */
  sessionsSeen?: SessionsSeen
}

/** Remembers the most recent sessions; answers false for one it already holds. */
export class SessionsSeen {
  readonly #ids = new Set<string>()
  constructor(private readonly capacity: number = DEFAULT_SESSIONS_REMEMBERED) {}

  add(id: string): boolean {
    if (this.#ids.has(id)) return false
    this.#ids.add(id)
    if (this.#ids.size > this.capacity) this.#ids.delete(this.#ids.values().next().value!)
    return true
  }
}

/** Sessions the STT skill remembers having announced (beyond these, one is announced again). */
export const DEFAULT_SESSIONS_REMEMBERED = 1_000

export async function transcribeRun(
  context: StepContext,
  start: StartRecognition,
  options: TranscribeOptions = { language: 'en-us' },
): Promise<Transcript> {
  const { run, emitter, signal } = context
  const inbox: RunInbox | undefined = runInbox(run)
  if (inbox === undefined)
    throw new HubError(
      'E_BAD_REQUEST',
      `${context.step.call} transcribes a voice stream; pipeline ${run.pipelineId} was not started by a voice entry`,
    )
  const opening = await inbox.take('voice.start', signal)
  const format = opening.payload as Record<string, unknown>
  for (const [key, value] of Object.entries(EXPECTED_FORMAT))
    if (format[key] !== value)
      throw new HubError(
        'E_VALIDATION',
        `STT reads 16 kHz mono pcm16; the stream's ${key} is ${String(format[key])}`,
      )
  const seeded = (type: string) => options.seedTypes?.has(type) === true
  const voiceSessionId = createHash('sha256').update(run.sessionId).digest('hex')
  if (seeded('voice.session.started') && options.sessionsSeen?.add(run.sessionId) !== false)
    await emitter.emit('voice.session.started', {
      voice_session_id: voiceSessionId,
      status: 'active',
      ts_ms: Date.parse(opening.ts) || Date.now(),
    })
  const partials: Promise<unknown>[] = []
  // The engine lives exactly as long as this step: a step that fails for any reason (not only a
  // cancelled run) stops it, or a recogniser process outlives its turn.
  const engine = new AbortController()
  const stopEngine = () => engine.abort(signal.reason)
  signal.addEventListener('abort', stopEngine, { once: true })
  if (signal.aborted) stopEngine()
  try {
    return await recognise(context, start, options, engine.signal, voiceSessionId, partials)
  } finally {
    signal.removeEventListener('abort', stopEngine)
    if (!engine.signal.aborted) engine.abort()
  }
}

async function recognise(
  context: StepContext,
  start: StartRecognition,
  options: TranscribeOptions,
  engineSignal: AbortSignal,
  voiceSessionId: string,
  partials: Promise<unknown>[],
): Promise<Transcript> {
  const { run, emitter, signal, metrics } = context
  const inbox = runInbox(run) as RunInbox
  const seeded = (type: string) => options.seedTypes?.has(type) === true
  const session = start(engineSignal, (textSoFar) => {
    partials.push(
      emitter.emit('stt.partial', { text: textSoFar, confidence: 0.5, final: false }).catch(() => undefined),
    )
    if (seeded('voice.asr.partial'))
      partials.push(
        emitter
          .emit('voice.asr.partial', {
            voice_session_id: voiceSessionId,
            text: textSoFar,
            language: options.language,
            source: 'stt',
          })
          .catch(() => undefined),
      )
  })
  const feed = async (event: Envelope) => {
    const bytes = (event.payload as { bytesB64?: unknown }).bytesB64
    if (typeof bytes === 'string') await session.write(Buffer.from(bytes, 'base64'))
  }
  for (const event of run.received) if (event.type === 'voice.chunk') await feed(event)
  for (;;) {
    const event = await inbox.take('voice.>', signal)
    run.received.push(event)
    if (event.type === 'voice.end') break
    if (event.type === 'voice.chunk') await feed(event)
  }
  const endOfSpeech = performance.now()
  const transcript = await session.finish()
  await Promise.all(partials)
  metrics.observe('stt_ms', performance.now() - endOfSpeech, { skill: context.step.call })
  if (transcript.text.trim() === '')
    throw new HubError('E_VALIDATION', 'no words were recognised in the utterance (silence or noise only)')
  run.text = transcript.text
  await emitter.emit('stt.final', { text: transcript.text, confidence: transcript.confidence, final: true })
  if (seeded('voice.asr.final'))
    await emitter.emit('voice.asr.final', {
      voice_session_id: voiceSessionId,
      text: transcript.text,
      language: options.language,
      source: 'stt',
    })
  return transcript
}
