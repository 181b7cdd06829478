import type { NatsConnection } from '@nats-io/transport-node'
import type { NatsTransportOptions } from '../transports/nats/index.ts'

// A short administrative connection beside the transport's own (stream limits, lag, migration):
// the same servers, credentials and TLS the transport uses.

/** Connects with the transport's options; `purpose` is appended to the connection name. */
export async function connectLikeTransport(
  options: NatsTransportOptions,
  purpose: string,
): Promise<NatsConnection> {
  const { connect } = await import('@nats-io/transport-node')
  const servers = options.servers === undefined ? undefined : [options.servers].flat()
  return connect({
    ...(servers === undefined ? {} : { servers }),
    name: `${options.name ?? 'localhub'}-${purpose}`,
    ...(options.user === undefined ? {} : { user: options.user }),
    ...(options.pass === undefined ? {} : { pass: options.pass }),
    ...(options.token === undefined ? {} : { token: options.token }),
    ...(options.tls === undefined ? {} : { tls: { ...options.tls } }),
  })
}
