import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import Fastify, { type FastifyInstance } from 'fastify'
import type { CompatOptions } from './compat-ports.ts'
import { compatRoutes } from './compat-routes.ts'

// Decision 2066: the embedding routes abort their work when the client goes away, and only then.
// A request's 'close' also fires once its body is read, so with a synchronous preHandler (the hub's
// body check is one) a route listening there aborted every normal request; with an async one it
// registered too late and never saw a disconnect. Both hook styles are served here, on a real socket
// (injected requests have none).

const EMBED_WAIT_MS = 50
const DISCONNECT_LIMIT_MS = 2_000
let embedWaitMs = EMBED_WAIT_MS

interface EmbedCall {
  signal: AbortSignal
  abortedDuring: boolean
}

for (const hookStyle of ['synchronous', 'async'] as const) {
  describe(`embedding routes behind a ${hookStyle} preHandler`, () => {
    const calls: EmbedCall[] = []
    let started: (() => void) | undefined
    let app: FastifyInstance
    let port = 0
    const options: CompatOptions = {
      async *chat() {},
      principalOf: () => ({ id: 'owner', via: 'bearer' }),
      modelName: () => 'tiny',
      embeddings: () => ({
        model: 'tiny',
        async embed(inputs, signal) {
          const call: EmbedCall = { signal: signal!, abortedDuring: false }
          calls.push(call)
          started?.()
          // Works for a while, or until aborted, as a model server's request would.
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, embedWaitMs)
            signal?.addEventListener('abort', () => {
              clearTimeout(timer)
              call.abortedDuring = true
              resolve()
            })
          })
          if (signal?.aborted) throw new Error('embedding aborted')
          return inputs.map(() => [0.5, 0.25])
        },
      }),
      tools: { descriptors: () => [], call: async () => ({ status: 'done' }) },
      searches: () => ({}),
      version: '9.9.9',
    }

    before(async () => {
      app = Fastify({ logger: false })
      if (hookStyle === 'synchronous') app.addHook('preHandler', (_request, _reply, done) => done())
      else app.addHook('preHandler', async () => undefined)
      await compatRoutes(options)(app)
      await app.listen({ host: '127.0.0.1', port: 0 })
      port = (app.server.address() as AddressInfo).port
    })
    after(() => app.close())

    for (const url of ['/api/embed', '/v1/embeddings']) {
      test(`${url}: a request read to its end is answered, its work not aborted`, async () => {
        calls.length = 0
        embedWaitMs = EMBED_WAIT_MS
        const response = await fetch(`http://127.0.0.1:${port}${url}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'tiny', input: ['a', 'b'] }),
        })
        assert.equal(response.status, 200, await response.clone().text())
        await response.json()
        assert.equal(calls.length, 1)
        assert.equal(calls[0]!.abortedDuring, false)
        // Not even once the answer is sent and the connection is done with.
        await new Promise((resolve) => setTimeout(resolve, 20))
        assert.equal(calls[0]!.signal.aborted, false)
      })

      test(`${url}: a client leaving mid-embed aborts the work`, async () => {
        calls.length = 0
        // Longer than the test waits: only an abort ends this one in time.
        embedWaitMs = DISCONNECT_LIMIT_MS * 2
        const embedding = new Promise<void>((resolve) => {
          started = resolve
        })
        const client = httpRequest({
          host: '127.0.0.1',
          port,
          path: url,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
        })
        client.on('error', () => undefined)
        client.end(JSON.stringify({ model: 'tiny', input: 'a' }))
        await embedding
        started = undefined
        client.destroy()
        const deadline = Date.now() + DISCONNECT_LIMIT_MS
        while (!calls[0]!.signal.aborted && Date.now() < deadline)
          await new Promise((resolve) => setTimeout(resolve, 5))
        assert.equal(calls[0]!.signal.aborted, true, 'the embedding was not aborted')
        assert.equal(calls[0]!.abortedDuring, true)
      })
    }
  })
}
