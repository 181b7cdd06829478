// The dashboard's side of /ws/avatar (docs/avatar.md): the keyframes of one session's answers,
// kept per answer (traceId) so that the face can look up the frame of any moment of the audio.

export interface AvatarKeyframe {
  seq: number
  startMs: number
  endMs: number
  viseme: string
  weight: number
  blink: number
  head: { yaw: number; pitch: number; roll: number }
}

interface AnswerFrames {
  frames: AvatarKeyframe[]
  ended: string | undefined
}

interface Message {
  type: string
  traceId?: string
  payload?: Record<string, unknown>
}

/** Answers kept at once: the one playing and the one before it are all the face needs. */
const KEPT_ANSWERS = 4

export class AvatarStream {
  readonly #answers = new Map<string, AnswerFrames>()
  #socket: WebSocket | undefined

  constructor(readonly sessionId: string) {}

  open(): void {
    const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws'
    const socket = new WebSocket(
      `${scheme}://${window.location.host}/ws/avatar?sessionId=${encodeURIComponent(this.sessionId)}`,
    )
    socket.onmessage = (event) => {
      if (typeof event.data === 'string') this.receive(JSON.parse(event.data) as Message)
    }
    this.#socket = socket
  }

  close(): void {
    if (this.#socket !== undefined) this.#socket.onmessage = null
    this.#socket?.close()
    this.#socket = undefined
  }

  receive(message: Message): void {
    const traceId = message.traceId
    if (traceId === undefined) return
    if (message.type === 'avatar.start') {
      this.#answers.set(traceId, { frames: [], ended: undefined })
      while (this.#answers.size > KEPT_ANSWERS) this.#answers.delete(this.#answers.keys().next().value!)
      return
    }
    const answer = this.#answers.get(traceId)
    if (answer === undefined) return
    if (message.type === 'avatar.frames') {
      const frames = (message.payload?.frames ?? []) as AvatarKeyframe[]
      answer.frames.push(...frames)
    } else if (message.type === 'avatar.end') answer.ended = String(message.payload?.reason ?? 'completed')
  }

  /** The keyframe of answer `traceId` at `ms` on its audio clock; undefined when unknown or interrupted. */
  frameAt(traceId: string, ms: number): AvatarKeyframe | undefined {
    const answer = this.#answers.get(traceId)
    if (answer === undefined || answer.ended === 'interrupted' || answer.ended === 'failed') return undefined
    const frames = answer.frames
    let low = 0
    let high = frames.length - 1
    while (low <= high) {
      const middle = (low + high) >> 1
      const frame = frames[middle]!
      if (ms < frame.startMs) high = middle - 1
      else if (ms >= frame.endMs) low = middle + 1
      else return frame
    }
    return undefined
  }
}
