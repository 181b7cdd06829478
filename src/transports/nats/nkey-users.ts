import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { nkeyAuthenticator, nkeys } from '@nats-io/transport-node'
import { HubError } from '../../contracts/index.ts'
import type { FederationPolicy } from './federation-policy.ts'

// nkey users (decision 2021): the server configuration holds only public keys; each user signs in
// by signing the server's nonce with its seed, which stays in a 0600 file beside the configuration
// (or on the user's own device, when the policy gives the public key itself).

/** Where `--auth nkeys` keeps the seeds it generates, inside the output directory. */
export const NKEYS_SUBDIRECTORY = 'nkeys'
/** A user seed: prefix SU, then base32; 58 characters. */
const USER_SEED = /^SU[A-Z2-7]{56}$/

/** The seed file of `user` under an output directory. */
export function nkeySeedFileOf(directory: string, user: string): string {
  return join(directory, NKEYS_SUBDIRECTORY, `${user}.nk`)
}

/** Reads a user seed file; a file others may read, or that holds no user seed, is refused. */
export function readNkeySeed(file: string): Uint8Array {
  let text: string
  try {
    text = readFileSync(file, 'utf8').trim()
  } catch (cause) {
    throw new HubError(
      'E_BAD_REQUEST',
      `nkey seed file ${file} cannot be read: ${(cause as Error).message}`,
      {
        cause,
      },
    )
  }
  if (!USER_SEED.test(text))
    throw new HubError(
      'E_BAD_REQUEST',
      `nkey seed file ${file} does not hold a user seed (SU…, 58 characters)`,
    )
  if ((statSync(file).mode & 0o077) !== 0)
    throw new HubError(
      'E_BAD_REQUEST',
      `nkey seed file ${file} may be read by others: chmod 600 it (a seed signs in as its user)`,
    )
  return new TextEncoder().encode(text)
}

/** The public key (U…) of a seed file. */
export function nkeyPublicOf(file: string): string {
  return nkeys.fromSeed(readNkeySeed(file)).getPublicKey()
}

/** A connection authenticator that reads the seed at every (re)connect, so a replaced file counts. */
export function nkeySeedAuthenticator(file: string): ReturnType<typeof nkeyAuthenticator> {
  readNkeySeed(file)
  return nkeyAuthenticator(() => readNkeySeed(file))
}

/**
 * `--auth nkeys`: every user of the policy without a given `nkey` gets a seed file
 * (<directory>/nkeys/<user>.nk, 0600; kept and reused when it exists) and signs in by its public
 * key; passwords are dropped. Returns the policy with every user's public key, and the seed files.
 */
export function withNkeyUsers(
  policy: FederationPolicy,
  directory: string,
): { policy: FederationPolicy; seedFiles: Record<string, string> } {
  const folder = join(directory, NKEYS_SUBDIRECTORY)
  mkdirSync(folder, { recursive: true, mode: 0o700 })
  chmodSync(folder, 0o700)
  const seedFiles: Record<string, string> = {}
  const users = policy.users.map((user) => {
    if (user.nkey !== undefined) return { user: user.user, role: user.role, nkey: user.nkey }
    const file = nkeySeedFileOf(directory, user.user)
    if (!existsSync(file)) {
      const seed = new TextDecoder().decode(nkeys.createUser().getSeed())
      writeFileSync(file, `${seed}\n`, { mode: 0o600 })
    }
    seedFiles[user.user] = file
    return { user: user.user, role: user.role, nkey: nkeyPublicOf(file) }
  })
  return { policy: { ...policy, users }, seedFiles }
}
