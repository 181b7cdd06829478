import type { NatsConnection } from '@nats-io/transport-node'
import type { NatsTransportOptions } from '../transports/nats/index.ts'

// A short administrative connection beside the transport's own (stream limits, lag, migration):
// the same servers, credentials and TLS the transport uses.

/** Connects with the transport's options; `purpose` is appended to the connection name. */
export async function connectLikeTransport(
  options: NatsTransportOptions,
  purpose: string,
): Promise<NatsConnection> {
  // Both loaded here, not at the top: a hub on SQLite never loads the NATS client (lazy-loading test).
  const [{ connect }, { connectionAuth }] = await Promise.all([
    import('@nats-io/transport-node'),
    import('../transports/nats/index.ts'),
  ])
  const servers = options.servers === undefined ? undefined : [options.servers].flat()
  return connect({
    ...(servers === undefined ? {} : { servers }),
    name: `${options.name ?? 'localhub'}-${purpose}`,
    ...connectionAuth(options),
  })
}
