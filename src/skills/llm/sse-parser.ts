// Incremental Server-Sent Events parser (WHATWG "event stream interpretation") for
// OpenAI-compatible streaming. Lines end in LF, CRLF or a lone CR, and a CRLF may itself be split
// across two chunks; comments (keep-alives) are skipped; a leading BOM is dropped.
import { HubError } from '../../contracts/index.ts'

export const DEFAULT_MAX_EVENT_CHARS = 1_048_576

export interface SseEvent {
  /** The `event:` field, 'message' when absent. */
  event: string
  /** The `data:` lines joined with '\n'. */
  data: string
  /** The last `id:` seen, when any. */
  id?: string
}

export interface SseParserOptions {
  /** Pending line plus buffered data above this fails with E_RESOURCE_LIMIT. */
  maxEventChars?: number
}

export class SseParser {
  private readonly decoder = new TextDecoder('utf-8')
  private readonly maxEventChars: number
  private pending = ''
  private skipLineFeed = false
  private atStart = true
  private data: string[] = []
  private dataChars = 0
  private eventName = ''
  private lastId: string | undefined

  constructor(options: SseParserOptions = {}) {
    this.maxEventChars = options.maxEventChars ?? DEFAULT_MAX_EVENT_CHARS
  }

  /** Feeds bytes; returns every event completed by them. */
  push(chunk: Uint8Array): SseEvent[] {
    return this.consume(this.decoder.decode(chunk, { stream: true }))
  }

  /** Ends the input. Per the standard an event not followed by a blank line is dropped. */
  end(): SseEvent[] {
    const events = this.consume(this.decoder.decode())
    this.pending = ''
    this.data = []
    this.dataChars = 0
    return events
  }

  /** True when an incomplete event was buffered (the stream stopped mid-event). */
  get hasPartialEvent(): boolean {
    return this.pending !== '' || this.data.length > 0
  }

  private consume(input: string): SseEvent[] {
    let text = input
    if (this.atStart && text.length > 0) {
      this.atStart = false
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
    }
    if (this.skipLineFeed && text.startsWith('\n')) text = text.slice(1)
    if (text.length > 0) this.skipLineFeed = false
    const events: SseEvent[] = []
    let buffer = this.pending + text
    let start = 0
    for (let index = 0; index < buffer.length; index++) {
      const code = buffer.charCodeAt(index)
      if (code !== 0x0a && code !== 0x0d) continue
      this.processLine(buffer.slice(start, index), events)
      if (code === 0x0d) {
        if (index + 1 < buffer.length) {
          if (buffer.charCodeAt(index + 1) === 0x0a) index++
        } else {
          this.skipLineFeed = true
        }
      }
      start = index + 1
    }
    buffer = buffer.slice(start)
    if (buffer.length + this.dataChars > this.maxEventChars) {
      this.pending = ''
      this.data = []
      this.dataChars = 0
      throw new HubError(
        'E_RESOURCE_LIMIT',
        `server-sent event larger than ${this.maxEventChars} characters`,
        {
          details: { reason: 'protocol', limitChars: this.maxEventChars },
        },
      )
    }
    this.pending = buffer
    return events
  }

  private processLine(line: string, events: SseEvent[]): void {
    if (line === '') {
      this.dispatch(events)
      return
    }
    if (line.startsWith(':')) return
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'data') {
      this.data.push(value)
      this.dataChars += value.length + 1
    } else if (field === 'event') {
      this.eventName = value
    } else if (field === 'id' && !value.includes('\0')) {
      this.lastId = value
    }
    // 'retry' and unknown fields do not matter to a one-shot stream reader.
  }

  private dispatch(events: SseEvent[]): void {
    if (this.data.length > 0) {
      const event: SseEvent = { event: this.eventName || 'message', data: this.data.join('\n') }
      if (this.lastId !== undefined) event.id = this.lastId
      events.push(event)
    }
    this.data = []
    this.dataChars = 0
    this.eventName = ''
  }
}
