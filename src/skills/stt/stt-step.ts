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
 * streams stt.partial as segments are recognised, and ends with stt.final and `run.text`.
 */
export async function transcribeRun(context: StepContext, start: StartRecognition): Promise<Transcript> {
  const { run, emitter, signal, metrics } = context
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
  const partials: Promise<unknown>[] = []
  const session = start(signal, (textSoFar) => {
    partials.push(
      emitter.emit('stt.partial', { text: textSoFar, confidence: 0.5, final: false }).catch(() => undefined),
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
  return transcript
}
