import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { HubError } from '../contracts/index.ts'
import { ExecTokenSigner } from './exec-token.ts'

/** The hub's exec token key in its data directory (PKCS#8 PEM, owner-only). */
export const EXEC_KEY_FILE_NAME = 'federation-exec-key.pem'

/** Loads the hub's ed25519 key, creating it on first start, so tokens survive a restart. */
export function openExecTokenSigner(dataDir: string): ExecTokenSigner {
  const path = join(dataDir, EXEC_KEY_FILE_NAME)
  if (existsSync(path)) {
    try {
      return ExecTokenSigner.fromPem(readFileSync(path, 'utf8'))
    } catch (error) {
      throw new HubError('E_IO', `${path} is not an ed25519 private key; remove it to make a new one`, {
        cause: error,
      })
    }
  }
  const signer = ExecTokenSigner.generate()
  // wx: two hubs starting on one data directory must not overwrite each other's key.
  writeFileSync(path, signer.privateKeyPem(), { mode: 0o600, flag: 'wx' })
  return signer
}
