import { PassThrough, Writable } from 'node:stream'
import type { FrameStream } from './frame-types.ts'

// Frames over a WebSocket (WS /ws/frames, `localhub attach`): one frame per text message, no
// newline inside the message. Both the hub's route and the terminal client use this.

/** The part of a `ws` WebSocket used here. */
export interface FrameSocket {
  readonly readyState: number
  readonly OPEN: number
  send(data: string, callback: (error?: Error) => void): void
}

export interface WebSocketFrameStream extends FrameStream {
  readonly input: PassThrough
  /** Feeds one received text message. */
  deliver(message: string): void
}

export function webSocketFrameStream(socket: FrameSocket): WebSocketFrameStream {
  const input = new PassThrough()
  const output = new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, done) {
      const line = String(chunk).replace(/\n$/, '')
      // A socket that is closing drops the frame; it stays in the resume ring.
      if (line === '' || socket.readyState !== socket.OPEN) {
        done()
        return
      }
      socket.send(line, () => done())
    },
  })
  output.on('error', () => undefined)
  return {
    input,
    output,
    deliver(message) {
      input.write(message.endsWith('\n') ? message : `${message}\n`)
    },
  }
}
