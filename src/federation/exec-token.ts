import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto'
import { isDeepStrictEqual } from 'node:util'
import { HubError } from '../contracts/index.ts'
import { DEFAULT_MAX_TOKEN_CHARS } from './federation-options.ts'

// Exec tokens: seed 001's exec_token(step, ttl, slots). Signed with the hub's ed25519 key so an
// agent holding the hub's public key can check a token without asking the hub (decision 2002).
// Form: `lh1.<base64url claims JSON>.<base64url signature of "lh1.<claims>">`.

const PREFIX = 'lh1'

export interface ExecClaims {
  /** The lease the token belongs to (one per bound step). */
  lease: string
  plan?: string
  step: string
  agent: string
  capability: string
  /** Unix ms issued / expires. */
  iat: number
  exp: number
  slots?: Record<string, unknown>
}

export type RefusalReason = 'malformed' | 'signature' | 'expired' | 'wrong_step' | 'wrong_slots'

export interface VerifyExpectation {
  stepId: string
  /** When given, must equal the signed slots exactly. */
  slots?: Record<string, unknown>
  /** Accept a token past its expiry (a result reported after a long step: starting is what expires). */
  allowExpired?: boolean
}

function refuse(reason: RefusalReason, message: string): HubError {
  return new HubError('E_PERMISSION_REQUIRED', message, { details: { reason } })
}

export class ExecTokenSigner {
  readonly #privateKey: KeyObject
  readonly publicKey: KeyObject
  readonly maxTokenChars: number

  constructor(privateKey: KeyObject, maxTokenChars = DEFAULT_MAX_TOKEN_CHARS) {
    if (privateKey.asymmetricKeyType !== 'ed25519')
      throw new HubError('E_BAD_REQUEST', 'the exec token key must be an ed25519 private key')
    this.#privateKey = privateKey
    this.publicKey = createPublicKey(privateKey)
    this.maxTokenChars = maxTokenChars
  }

  static generate(): ExecTokenSigner {
    return new ExecTokenSigner(generateKeyPairSync('ed25519').privateKey)
  }

  static fromPem(pem: string): ExecTokenSigner {
    return new ExecTokenSigner(createPrivateKey(pem))
  }

  privateKeyPem(): string {
    return this.#privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  }

  publicKeyPem(): string {
    return this.publicKey.export({ type: 'spki', format: 'pem' }).toString()
  }

  sign(claims: ExecClaims): string {
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url')
    const signed = `${PREFIX}.${body}`
    return `${signed}.${sign(null, Buffer.from(signed), this.#privateKey).toString('base64url')}`
  }

  /** The claims of a genuine, unexpired token for `expect.stepId`; otherwise a HubError (E_PERMISSION_REQUIRED). */
  verify(token: unknown, expect: VerifyExpectation, now: number): ExecClaims {
    if (typeof token !== 'string' || token.length > this.maxTokenChars)
      throw refuse('malformed', 'the exec token is not a token')
    const parts = token.split('.')
    if (parts.length !== 3 || parts[0] !== PREFIX)
      throw refuse('malformed', 'the exec token is not an lh1 token')
    const [, body, signature] = parts as [string, string, string]
    const signatureBytes = Buffer.from(signature, 'base64url')
    // base64url decoding skips bad characters; re-encoding catches a changed signature text.
    if (
      signatureBytes.toString('base64url') !== signature ||
      !verify(null, Buffer.from(`${PREFIX}.${body}`), this.publicKey, signatureBytes)
    ) {
      throw refuse('signature', 'the exec token was not signed by this hub or was altered')
    }
    let claims: ExecClaims
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as ExecClaims
    } catch {
      throw refuse('malformed', 'the exec token claims are not JSON')
    }
    if (typeof claims.exp !== 'number' || (now >= claims.exp && expect.allowExpired !== true))
      throw refuse('expired', 'the exec token has expired')
    if (claims.step !== expect.stepId) {
      throw refuse('wrong_step', `the exec token is for step ${claims.step}, not ${expect.stepId}`)
    }
    if (expect.slots !== undefined && !isDeepStrictEqual(expect.slots, claims.slots ?? {})) {
      throw refuse('wrong_slots', 'the slots differ from those the exec token was issued for')
    }
    return claims
  }
}
