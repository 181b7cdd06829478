import type { PrincipalStore } from '../../principals/index.ts'
import type { PrincipalAuthority } from '../server/index.ts'

/** The principal store as the server's authority: a token's principal with its grants and peer identity. */
export function principalAuthority(store: PrincipalStore): PrincipalAuthority {
  return {
    authenticate(token) {
      const found = store.authenticate(token)
      if (found === undefined) return undefined
      return {
        id: found.id,
        role: found.role,
        grants: { publish: found.publish, subscribe: found.subscribe },
        ...(found.peerId === undefined ? {} : { peerId: found.peerId }),
        ...(found.fingerprint === undefined ? {} : { fingerprint: found.fingerprint }),
      }
    },
    onRevoked: (listener) => store.onRevoked(listener),
  }
}
