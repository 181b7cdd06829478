import { useEffect, useRef, useState } from 'react'
import { openMicrophone, Pcm16Batcher } from './voice-capture.ts'
import { AnswerPlayer } from './voice-player.ts'

interface Frame {
  type: string
  payload: Record<string, unknown>
}

interface ListenView {
  state: 'off' | 'starting' | 'listening'
  wakes: number
  lastWake: string
  heard: string
  answer: string
  error: string
}

const OFF: ListenView = { state: 'off', wakes: 0, lastWake: '', heard: '', answer: '', error: '' }

/**
 * The dashboard's microphone as a hands-free source (docs/voice.md, "Hands-free"): streams without
 * pause to /ws/voice/listen, where the hub listens for the wake word (or converses in Talk mode),
 * and plays the answers. Shown in the header when the mode is wake_word or talk.
 */
export function HandsFreeListen({ mode }: { mode: string }) {
  const [view, setView] = useState<ListenView>(OFF)
  const stopRef = useRef<(() => void) | undefined>(undefined)
  useEffect(() => () => stopRef.current?.(), [])
  const hidden = mode !== 'wake_word' && mode !== 'talk'
  useEffect(() => {
    if (hidden) stopRef.current?.()
  }, [hidden])
  if (hidden) return null

  const start = async () => {
    setView({ ...OFF, state: 'starting' })
    // Created inside the click, so autoplay rules let the answers play.
    const context = new AudioContext()
    const player = new AnswerPlayer(context, () => undefined)
    const address = new URL('/ws/voice/listen?source=dashboard', window.location.href)
    address.protocol = address.protocol === 'https:' ? 'wss:' : 'ws:'
    const socket = new WebSocket(address)
    socket.binaryType = 'arraybuffer'
    let microphone: Awaited<ReturnType<typeof openMicrophone>> | undefined
    const stop = () => {
      stopRef.current = undefined
      microphone?.close()
      socket.close()
      player.stop('stopped')
      void context.close()
      setView((current) => ({ ...current, state: 'off' }))
    }
    stopRef.current = stop
    socket.onmessage = (message) => {
      if (typeof message.data !== 'string') return
      const frame = JSON.parse(message.data) as Frame
      if (frame.type === 'tts.start') player.begin(Number(frame.payload.sampleRate ?? 16000))
      else if (frame.type === 'tts.audio') player.push(String(frame.payload.bytesB64 ?? ''))
      else if (frame.type === 'tts.end') player.end()
      setView((current) => {
        if (frame.type === 'voice.wake.detected')
          return {
            ...current,
            wakes: current.wakes + 1,
            lastWake: String(frame.payload.phrase),
            heard: '',
            answer: '',
          }
        if (frame.type === 'stt.final') return { ...current, heard: String(frame.payload.text ?? '') }
        if (frame.type === 'llm.text')
          return { ...current, answer: `${current.answer} ${String(frame.payload.text ?? '')}`.trim() }
        if (frame.type === 'error.raised') return { ...current, error: String(frame.payload.message ?? '') }
        return current
      })
    }
    socket.onclose = () => stopRef.current?.()
    await new Promise<void>((resolve, reject) => {
      socket.onopen = () => resolve()
      socket.onerror = () => reject(new Error('the hub refused /ws/voice/listen'))
    }).catch((error: Error) => setView({ ...OFF, error: error.message }))
    if (socket.readyState !== WebSocket.OPEN) return stop()
    try {
      const batcher = new Pcm16Batcher(context.sampleRate)
      microphone = await openMicrophone(context, (samples) => {
        for (const chunk of batcher.push(samples))
          if (socket.readyState === WebSocket.OPEN) socket.send(chunk)
      })
    } catch (error) {
      setView({ ...OFF, error: `no microphone: ${(error as Error).message}` })
      return stop()
    }
    socket.send(
      JSON.stringify({
        type: 'voice.start',
        payload: { sampleRate: context.sampleRate, format: 'pcm16', channels: 1 },
      }),
    )
    setView((current) => ({ ...current, state: 'listening' }))
  }

  return (
    <span
      className="hands-free-listen"
      data-testid="hands-free-listen"
      data-state={view.state}
      data-wakes={view.wakes}
    >
      <button type="button" onClick={() => (view.state === 'off' ? void start() : stopRef.current?.())}>
        {view.state === 'off' ? 'Listen' : 'Stop listening'}
      </button>
      {view.lastWake ? <span className="muted"> woke: {view.lastWake}</span> : null}
      {view.heard ? <span data-testid="hands-free-heard"> heard: {view.heard}</span> : null}
      {view.answer ? <span data-testid="hands-free-answer"> answer: {view.answer}</span> : null}
      {view.error ? (
        <span role="alert" className="error">
          {view.error}
        </span>
      ) : null}
    </span>
  )
}
