import type { Envelope } from '../../contracts/index.ts'
import {
  sendAnswerAudio,
  startAnswerAudio,
  stopAnswerAudio,
  type TurnView,
  type WyomingSend,
} from './voice-wyoming-answer-audio.ts'

/**
 * One event of a voice turn (not turn.end, which the connection handles) as the satellite should
 * hear it: voice-stopped, transcript, the answer's audio, or error. `transcriptOnly` is called when
 * the turn's end stage is asr and the transcript came: the connection stops working out the answer.
 */
export function sendTurnEvent(
  view: TurnView,
  event: Envelope,
  send: WyomingSend,
  transcriptOnly: () => void,
): void {
  const payload = (event.payload ?? {}) as Record<string, unknown>
  switch (event.type) {
    case 'voice.end':
      send('voice-stopped', { timestamp: Number(payload.totalMs) || 0 })
      return
    case 'stt.final':
      send('transcript', { text: String(payload.text ?? '') })
      if (view.endStage === 'asr') {
        view.finished = true
        transcriptOnly()
      }
      return
    case 'llm.complete':
      view.answer = typeof payload.text === 'string' ? payload.text : undefined
      return
    case 'tts.start':
      startAnswerAudio(view, payload, send)
      return
    case 'tts.audio':
      sendAnswerAudio(view, payload, send)
      return
    case 'tts.end':
      stopAnswerAudio(view, send)
      return
    case 'error.raised':
      stopAnswerAudio(view, send)
      send('error', { text: String(payload.message ?? 'the voice turn failed'), code: payload.code })
      return
    default:
      return
  }
}
