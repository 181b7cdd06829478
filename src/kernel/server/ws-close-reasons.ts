import type { WebSocket, WebSocketServer } from 'ws'

// When a frame breaks the protocol (a message over maxPayload, invalid UTF-8 in a text message,
// a bad opcode) the `ws` library closes with the right code but no reason, so the client is told
// 1009 or 1007 and not why. Each socket's close() gets the reason filled in when none is given
// (decision 2085); a route that closes with its own reason keeps it.

/** RFC 6455 close codes the `ws` library uses for frames it refuses. */
const WS_CLOSE_PROTOCOL_ERROR = 1002
const WS_CLOSE_INVALID_DATA = 1007
const WS_CLOSE_TOO_BIG = 1009

function reasons(maxPayloadBytes: number): ReadonlyMap<number, string> {
  return new Map([
    [WS_CLOSE_PROTOCOL_ERROR, 'E_BAD_REQUEST: the frame breaks the WebSocket protocol'],
    [WS_CLOSE_INVALID_DATA, 'E_BAD_REQUEST: a text message is not valid UTF-8'],
    [WS_CLOSE_TOO_BIG, `E_RESOURCE_LIMIT: a message is larger than ${maxPayloadBytes} bytes`],
  ])
}

/** Gives every socket the server accepts a close() that says why for the codes above. */
export function installWsCloseReasons(server: WebSocketServer, maxPayloadBytes: number): void {
  const byCode = reasons(maxPayloadBytes)
  server.on('connection', (socket: WebSocket) => {
    const close = socket.close.bind(socket)
    socket.close = (code?: number, reason?: string | Buffer) => {
      const filled = reason === undefined || reason.length === 0 ? byCode.get(code ?? 0) : undefined
      close(code, filled ?? reason)
    }
  })
}
