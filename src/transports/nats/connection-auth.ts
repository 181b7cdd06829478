import type { ConnectionOptions } from '@nats-io/transport-node'
import type { NatsTransportOptions } from './nats-options.ts'
import { nkeySeedAuthenticator } from './nkey-users.ts'

/**
 * How a connection signs in and encrypts, from the transport's options: user and password, a
 * token, or an nkey seed file (decision 2021); TLS files as given. Shared by the transport and the
 * administrative connections beside it, so they never differ.
 */
export function connectionAuth(
  options: Pick<NatsTransportOptions, 'user' | 'pass' | 'token' | 'nkeySeedFile' | 'tls'>,
): Partial<ConnectionOptions> {
  return {
    ...(options.user === undefined ? {} : { user: options.user }),
    ...(options.pass === undefined ? {} : { pass: options.pass }),
    ...(options.token === undefined ? {} : { token: options.token }),
    ...(options.nkeySeedFile === undefined
      ? {}
      : { authenticator: nkeySeedAuthenticator(options.nkeySeedFile) }),
    ...(options.tls === undefined ? {} : { tls: { ...options.tls } }),
  }
}
