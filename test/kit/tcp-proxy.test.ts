import assert from 'node:assert/strict'
import { createConnection, createServer, type Socket } from 'node:net'
import { test } from 'node:test'
import { startCuttableProxy } from './tcp-proxy.ts'

/** A server that writes whatever `send` is given to its one client. */
async function talkingServer() {
  let client: Socket | undefined
  const server = createServer()
  const connected = new Promise<void>((resolve) => {
    server.once('connection', (socket) => {
      client = socket
      resolve()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  return {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    connected,
    send: (text: string) => client!.write(text),
    close: () =>
      new Promise<void>((resolve) => {
        client?.destroy()
        server.close(() => resolve())
      }),
  }
}

test('deliveredToClient resolves once the text has passed to a client, also split across chunks', async (t) => {
  const server = await talkingServer()
  t.after(() => server.close())
  const proxy = await startCuttableProxy(server.port)
  t.after(() => proxy.close())
  const socket = createConnection({ host: '127.0.0.1', port: proxy.port })
  t.after(() => socket.destroy())
  await server.connected
  let settled = false
  const delivered = proxy.deliveredToClient('in flight 한').then(() => {
    settled = true
  })
  server.send('a call: in fl')
  await new Promise((resolve) => setTimeout(resolve, 50))
  assert.equal(settled, false, 'half of the text is not the text')
  server.send('ight 한국어')
  await delivered
})

test('deliveredToClient rejects when the text never passes', async (t) => {
  const server = await talkingServer()
  t.after(() => server.close())
  const proxy = await startCuttableProxy(server.port)
  t.after(() => proxy.close())
  const socket = createConnection({ host: '127.0.0.1', port: proxy.port })
  t.after(() => socket.destroy())
  await server.connected
  const delivered = proxy.deliveredToClient('never sent', 100)
  server.send('something else')
  await assert.rejects(delivered, /passed no "never sent" to a client in 100 ms/)
})
