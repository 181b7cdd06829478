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
  close(): Promise<void>
}

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
    close() {
      proxy.cut()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  return proxy
}
