// An incremental Server-Sent Events parser (the parts POST /chat uses: event, data, comments).
// Text arrives in arbitrary pieces; a frame is handed out only once its blank line has arrived.

export interface SseFrame {
  event: string
  data: string
}

/** Past this, a frame without an end is refused rather than buffered forever. */
export const DEFAULT_MAX_FRAME_CHARS = 1_000_000

export class SseParser {
  #buffer = ''
  #event = ''
  #data: string[] = []
  #maxFrameChars: number

  constructor(maxFrameChars = DEFAULT_MAX_FRAME_CHARS) {
    this.#maxFrameChars = maxFrameChars
  }

  /** Feeds text; returns the frames it completed. Throws when one frame grows past the limit. */
  push(text: string): SseFrame[] {
    this.#buffer += text
    const frames: SseFrame[] = []
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.#buffer)
      if (match === null) break
      // A lone \r at the very end may be the first half of \r\n: wait for more.
      if (match[0] === '\r' && match.index === this.#buffer.length - 1) break
      const line = this.#buffer.slice(0, match.index)
      this.#buffer = this.#buffer.slice(match.index + match[0].length)
      const frame = this.#line(line)
      if (frame !== undefined) frames.push(frame)
    }
    const pending = this.#buffer.length + this.#data.reduce((sum, part) => sum + part.length, 0)
    if (pending > this.#maxFrameChars) {
      this.#buffer = ''
      this.#data = []
      throw new RangeError(`an SSE frame exceeded ${this.#maxFrameChars} characters`)
    }
    return frames
  }

  #line(line: string): SseFrame | undefined {
    if (line === '') {
      if (this.#data.length === 0 && this.#event === '') return undefined
      const frame = { event: this.#event || 'message', data: this.#data.join('\n') }
      this.#event = ''
      this.#data = []
      return frame
    }
    if (line.startsWith(':')) return undefined
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    let value = colon < 0 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'event') this.#event = value
    else if (field === 'data') this.#data.push(value)
    return undefined
  }
}
