// A minimal loopback server speaking Ollama's streaming /api/chat, which notes (performance.now(),
// same clock as the hub in this process) when each chat request's body has arrived and when its
// first token line was handed to the socket. The kernel-chat bench uses these model-side marks for
// its strict reading of the hub's share: everything outside the model's own handler counts as the hub's.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ModelMarks {
  receivedAt: number
  firstWrittenAt: number
}

export interface MarkingModelServer {
  url: string
  /** Marks of the last /api/chat request (the bench's requests never overlap). */
  last(): ModelMarks | undefined
  close(): Promise<void>
}

export async function startMarkingModelServer(model: string, tokens: string[]): Promise<MarkingModelServer> {
  let last: ModelMarks | undefined
  const line = (content: string, done: boolean) =>
    `${JSON.stringify({
      model,
      created_at: new Date().toISOString(),
      message: { role: 'assistant', content },
      done,
      ...(done ? { done_reason: 'stop', prompt_eval_count: 1, eval_count: tokens.length } : {}),
    })}\n`
  const server = createServer((request, response) => {
    if (request.url === '/api/version') return response.end(JSON.stringify({ version: '0.5.7' }))
    if (request.url === '/api/tags')
      return response.end(JSON.stringify({ models: [{ name: `${model}:latest` }] }))
    if (request.url !== '/api/chat' || request.method !== 'POST') {
      response.statusCode = 404
      return response.end()
    }
    request.resume()
    request.on('end', () => {
      const receivedAt = performance.now()
      response.writeHead(200, { 'content-type': 'application/x-ndjson' })
      response.write(line(tokens[0]!, false))
      last = { receivedAt, firstWrittenAt: performance.now() }
      // The rest one per event-loop turn, as a model streams tokens after the first.
      let index = 1
      const next = () => {
        if (response.destroyed) return
        if (index < tokens.length) {
          response.write(line(tokens[index++]!, false))
          setImmediate(next)
        } else response.end(line('', true))
      }
      setImmediate(next)
    })
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    last: () => last,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
