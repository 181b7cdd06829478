import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto'
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { HubError, isErrorCode } from '../contracts/index.ts'
import { pairingMessage } from './pairing-keys.ts'

// The device side of pairing (`localhub pair --hub URL --peer-id ID`): a key kept in the device's
// data directory, start → wait for the owner → complete, and the token saved for later.

/** The device's ed25519 key (PKCS#8 PEM, 0600). */
export const PAIRING_KEY_FILE = join('keys', 'pairing-ed25519.pem')
/** Tokens this device holds, one per hub URL (0600). */
export const PAIRED_HUBS_FILE = 'paired-hubs.json'
export const DEFAULT_PAIR_POLL_MS = 1_000
export const DEFAULT_PAIR_TIMEOUT_MS = 5 * 60_000
const REQUEST_TIMEOUT_MS = 15_000

export interface PairOptions {
  hubUrl: string
  peerId: string
  dataDir: string
  deviceName?: string
  pollMs?: number
  timeoutMs?: number
  /** Told once the hub waits for the owner (pairing id and fingerprint to compare). */
  onWaiting?: (pairingId: string, fingerprint: string) => void
}

export interface PairResult {
  hubUrl: string
  peerId: string
  principalId: string
  fingerprint: string
  token: string
  /** Where the token was written. */
  savedTo: string
}

function writePrivate(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  const temporary = `${path}.${process.pid}.tmp`
  const fd = openSync(temporary, 'w', 0o600)
  try {
    writeSync(fd, text)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(temporary, path)
}

/** The device's key pair: read from the data directory, or made and kept there on first use. */
export function deviceKey(dataDir: string): { privateKey: KeyObject; publicKeyRaw: string } {
  const path = join(dataDir, PAIRING_KEY_FILE)
  let privateKey: KeyObject
  try {
    privateKey = createPrivateKey(readFileSync(path, 'utf8'))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new HubError('E_IO', `cannot read the pairing key ${path}: ${(error as Error).message}`)
    privateKey = generateKeyPairSync('ed25519').privateKey
    writePrivate(path, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string)
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new HubError('E_IO', `${path} is not an ed25519 key`)
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' }) as { x: string }
  return { privateKey, publicKeyRaw: Buffer.from(jwk.x, 'base64url').toString('base64') }
}

interface Envelope<T> {
  ok?: boolean
  data?: T
  error?: { code?: unknown; message?: unknown; details?: Record<string, unknown> }
}

async function post<T>(
  hubUrl: string,
  path: string,
  body: unknown,
): Promise<{ status: number; body: Envelope<T> }> {
  let response: Response
  try {
    response = await fetch(new URL(path, hubUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    })
  } catch (error) {
    throw new HubError(
      'E_DEPENDENCY_UNAVAILABLE',
      `the hub at ${hubUrl} did not answer: ${(error as Error).message}`,
    )
  }
  const text = await response.text()
  try {
    return { status: response.status, body: JSON.parse(text) as Envelope<T> }
  } catch {
    throw new HubError('E_IO', `the hub answered ${response.status} with something that is not JSON`)
  }
}

function refusal(answer: Envelope<unknown>, status: number): HubError {
  const code = isErrorCode(answer.error?.code) ? answer.error.code : 'E_UNKNOWN'
  const reason = answer.error?.details?.pairingError
  const message = String(answer.error?.message ?? `the hub answered ${status}`)
  return new HubError(code, typeof reason === 'string' ? `${reason}: ${message}` : message, {
    ...(answer.error?.details === undefined ? {} : { details: answer.error.details }),
  })
}

/** Pairs this device with a hub and saves the member token it is given. */
export async function pairWithHub(options: PairOptions): Promise<PairResult> {
  const key = deviceKey(options.dataDir)
  const started = await post<{ pairingId: string; challenge: string; hubId: string; fingerprint: string }>(
    options.hubUrl,
    '/pairing/start',
    {
      peerId: options.peerId,
      publicKey: key.publicKeyRaw,
      ...(options.deviceName === undefined ? {} : { deviceName: options.deviceName }),
    },
  )
  if (started.body.ok !== true || started.body.data === undefined) throw refusal(started.body, started.status)
  const { pairingId, challenge, hubId, fingerprint } = started.body.data
  const signature = sign(
    null,
    pairingMessage({ hubId, pairingId, peerId: options.peerId, challenge }),
    key.privateKey,
  ).toString('base64')
  const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_PAIR_TIMEOUT_MS)
  let told = false
  for (;;) {
    const answer = await post<{ token: string; principal: { id: string } }>(
      options.hubUrl,
      '/pairing/complete',
      {
        pairingId,
        signature,
      },
    )
    if (answer.body.ok === true && answer.body.data !== undefined) {
      const savedTo = saveToken(options.dataDir, options.hubUrl, {
        peerId: options.peerId,
        principalId: answer.body.data.principal.id,
        fingerprint,
        token: answer.body.data.token,
      })
      return {
        hubUrl: options.hubUrl,
        peerId: options.peerId,
        principalId: answer.body.data.principal.id,
        fingerprint,
        token: answer.body.data.token,
        savedTo,
      }
    }
    if (answer.body.error?.details?.status !== 'awaiting_approval') throw refusal(answer.body, answer.status)
    if (!told) {
      told = true
      options.onWaiting?.(pairingId, fingerprint)
    }
    if (Date.now() >= deadline)
      throw new HubError('E_TIMEOUT', `the owner did not approve pairing ${pairingId} in time`)
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? DEFAULT_PAIR_POLL_MS))
  }
}

function saveToken(
  dataDir: string,
  hubUrl: string,
  entry: { peerId: string; principalId: string; fingerprint: string; token: string },
): string {
  const path = join(dataDir, PAIRED_HUBS_FILE)
  let hubs: Record<string, unknown> = {}
  try {
    hubs = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
  } catch {
    hubs = {}
  }
  hubs[hubUrl] = { ...entry, pairedAt: new Date().toISOString() }
  writePrivate(path, `${JSON.stringify(hubs, null, 2)}\n`)
  return path
}
