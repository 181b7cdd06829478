// A loopback TCP proxy whose connections a test can cut, and refuse while blocked: the way to drop
// one client's connection (a skill host's NATS connection, say) without touching the server.
import { createConnection, createServer, type Server, type Socket } from 'node:net'

export interface CuttableProxy {
  readonly port: number
  /** New connections are closed at once while true (the server "is unreachable"). */
  blocked: boolean
  /** Destroys every open connection, both sides. */
  cut(): void
  /** Connections made through the proxy so far. */
  readonly connections: number
  /**
   * Resolves once bytes holding `text` have been passed from the server to a client (a message
   * the test is waiting to see delivered before it cuts); rejects after `timeoutMs`.
   */
  deliveredToClient(text: string, timeoutMs?: number): Promise<void>
  close(): Promise<void>
}

/** How long deliveredToClient waits by default, in milliseconds. */
export const DEFAULT_DELIVERY_TIMEOUT_MS = 10_000

export interface CuttableProxyOptions {
  /**
   * Rewrites the first chunk a client sends (an HTTP request's Host header, say, so that a server
   * that checks it does not see the proxy).
   */
  rewriteFirst?(first: Buffer, proxyPort: number): Buffer
}

/** Listens on 127.0.0.1, port 0, and forwards each connection to 127.0.0.1:targetPort. */
export async function startCuttableProxy(
  targetPort: number,
  options: CuttableProxyOptions = {},
): Promise<CuttableProxy> {
  const pairs = new Set<[Socket, Socket]>()
  let connections = 0
  // What went from the server to clients, kept only while someone waits for a text in it.
  const watchers = new Set<{ text: string; seen: string; done(): void }>()
  const server: Server = createServer((client) => {
    if (proxy.blocked) {
      client.destroy()
      return
    }
    connections++
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort })
    const pair: [Socket, Socket] = [client, upstream]
    pairs.add(pair)
    const rewrite = options.rewriteFirst
    if (rewrite === undefined) client.pipe(upstream)
    else
      client.once('data', (first: Buffer) => {
        upstream.write(rewrite(first, proxy.port))
        client.pipe(upstream)
      })
    upstream.pipe(client)
    upstream.on('data', (chunk: Buffer) => {
      for (const watcher of [...watchers]) {
        // The tail of what came before, so a text split across two chunks is still found.
        watcher.seen = watcher.seen.slice(-watcher.text.length) + chunk.toString('latin1')
        if (watcher.seen.includes(watcher.text)) {
          watchers.delete(watcher)
          watcher.done()
        }
      }
    })
    const drop = () => {
      pairs.delete(pair)
      client.destroy()
      upstream.destroy()
    }
    client.on('error', drop).on('close', drop)
    upstream.on('error', drop).on('close', drop)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const proxy: CuttableProxy = {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    blocked: false,
    cut() {
      for (const [a, b] of pairs) {
        a.destroy()
        b.destroy()
      }
      pairs.clear()
    },
    get connections() {
      return connections
    },
    deliveredToClient(text, timeoutMs = DEFAULT_DELIVERY_TIMEOUT_MS) {
      const needle = Buffer.from(text, 'utf8').toString('latin1')
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          watchers.delete(watcher)
          reject(new Error(`the proxy passed no ${JSON.stringify(text)} to a client in ${timeoutMs} ms`))
        }, timeoutMs)
        const watcher = {
          text: needle,
          seen: '',
          done() {
            clearTimeout(timer)
            resolve()
          },
        }
        watchers.add(watcher)
      })
    },
    close() {
      proxy.cut()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  return proxy
}
