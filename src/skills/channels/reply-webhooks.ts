import { createHmac } from 'node:crypto'
import type { Clock } from '../../bus/index.ts'
import { deadlineSignal, HubError } from '../../contracts/index.ts'
import { createDialectConverter, type DialectName, isDialectName } from '../../dialects/index.ts'
import type { SkillLogger } from '../../skill-api/index.ts'
import type { OutboxReply, ReplyOutbox } from './reply-outbox.ts'

/** How long one POST may take before it counts as failed, in milliseconds. */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000
/** The first wait after a failed delivery, in milliseconds; it doubles up to the maximum. */
export const DEFAULT_WEBHOOK_RETRY_MS = 500
/** The longest wait between two attempts, in milliseconds. */
export const DEFAULT_WEBHOOK_MAX_RETRY_MS = 60_000
/** Header with the body's HMAC-SHA256 (hex), when the webhook names a secret. */
export const WEBHOOK_SIGNATURE_HEADER = 'x-localhub-signature'

/** Where replies for a channel platform are POSTed. */
export interface ReplyWebhook {
  /** The reply's `routing.target.platform`; absent: every platform without its own webhook. */
  readonly platform: string | undefined
  readonly url: string
  readonly dialect: DialectName
  /** HMAC key, read from the environment variable the manifest names. */
  readonly secret: string | undefined
}

const WEBHOOK_KEYS = new Set(['platform', 'url', 'dialect', 'secretEnv'])

/** `webhooks` of the manifest: a list of {platform?, url, dialect? (pinchy), secretEnv?}. */
export function parseWebhooks(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
): ReplyWebhook[] {
  if (value === undefined) return []
  if (!Array.isArray(value))
    throw new HubError('E_VALIDATION', 'webhooks must be a list of {platform?, url, dialect?, secretEnv?}')
  return value.map((entry, index) => {
    const where = `webhooks[${index}]`
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry))
      throw new HubError('E_VALIDATION', `${where} must be a map {platform?, url, dialect?, secretEnv?}`)
    const stray = Object.keys(entry).filter((key) => !WEBHOOK_KEYS.has(key))
    if (stray.length > 0) throw new HubError('E_VALIDATION', `${where} has no setting ${stray.join(', ')}`)
    const { platform, url, dialect = 'pinchy', secretEnv } = entry as Record<string, unknown>
    if (platform !== undefined && (typeof platform !== 'string' || platform === ''))
      throw new HubError('E_VALIDATION', `${where}.platform must be a platform name (telegram, discord, …)`)
    let parsed: URL
    try {
      parsed = new URL(String(url))
    } catch {
      throw new HubError('E_VALIDATION', `${where}.url must be an http(s) URL, got ${JSON.stringify(url)}`)
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      throw new HubError('E_VALIDATION', `${where}.url must be an http(s) URL, got ${JSON.stringify(url)}`)
    if (typeof dialect !== 'string' || !isDialectName(dialect))
      throw new HubError(
        'E_VALIDATION',
        `${where}.dialect ${JSON.stringify(dialect)} is not one the hub speaks`,
      )
    if (secretEnv !== undefined && typeof secretEnv !== 'string')
      throw new HubError('E_VALIDATION', `${where}.secretEnv must name an environment variable`)
    const secret = secretEnv === undefined ? undefined : env[secretEnv]
    if (secretEnv !== undefined && (secret === undefined || secret === ''))
      throw new HubError('E_VALIDATION', `${where}.secretEnv names ${secretEnv}, which is not set`)
    return { platform: platform as string | undefined, url: parsed.href, dialect, secret }
  })
}

function platformOf(reply: OutboxReply): string | undefined {
  const meta = reply.envelope.meta as
    | { pinchy?: { routing?: { target?: { platform?: unknown } } } }
    | undefined
  const platform = meta?.pinchy?.routing?.target?.platform
  return typeof platform === 'string' ? platform : undefined
}

export interface WebhookPusherOptions {
  readonly outbox: ReplyOutbox
  readonly webhooks: readonly ReplyWebhook[]
  readonly clock: Clock
  readonly logger: SkillLogger
  readonly timeoutMs?: number
  readonly retryMs?: number
  readonly maxRetryMs?: number
}

/**
 * Pushes the outbox's replies to their channel's webhook, oldest first, one at a time (a chat's
 * replies arrive in order): a 2xx answer acknowledges the reply (it leaves the outbox), anything
 * else is retried with a doubling wait. A reply stays in the outbox until delivered, so a crash
 * before the answer means it is POSTed again on the next start: at-least-once, and the receiver
 * deduplicates by the `idempotency-key` header (the response id). Replies no webhook takes wait for
 * a gateway that polls GET /channels/outbox.
 */
export class WebhookPusher {
  readonly #options: WebhookPusherOptions
  readonly #converter = createDialectConverter()
  #running: Promise<void> | undefined
  #again = false
  #closed = false
  #retry: unknown
  #wake: (() => void) | undefined
  readonly #abort = new AbortController()

  constructor(options: WebhookPusherOptions) {
    this.#options = options
  }

  /** Delivers what is waiting; called after each reply is written and once at start. */
  kick(): void {
    if (this.#closed) return
    if (this.#running !== undefined) {
      this.#again = true
      return
    }
    this.#running = this.#drain().finally(() => {
      this.#running = undefined
      if (this.#again) {
        this.#again = false
        this.kick()
      }
    })
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#abort.abort(new HubError('E_TIMEOUT', 'the hub is closing'))
    this.#options.clock.clearTimeout(this.#retry)
    this.#wake?.()
    await this.#running
  }

  #webhookFor(reply: OutboxReply): ReplyWebhook | undefined {
    const platform = platformOf(reply)
    const webhooks = this.#options.webhooks
    return (
      webhooks.find((webhook) => webhook.platform !== undefined && webhook.platform === platform) ??
      webhooks.find((webhook) => webhook.platform === undefined)
    )
  }

  async #drain(): Promise<void> {
    let waitMs = this.#options.retryMs ?? DEFAULT_WEBHOOK_RETRY_MS
    while (!this.#closed) {
      const next = this.#options.outbox
        .pending(Number.MAX_SAFE_INTEGER)
        .map((reply) => ({ reply, webhook: this.#webhookFor(reply) }))
        .find(({ reply, webhook }) => reply.published && webhook !== undefined)
      if (next === undefined) return
      if (await this.#deliver(next.reply, next.webhook!)) {
        this.#options.outbox.acknowledge(next.reply.responseId)
        waitMs = this.#options.retryMs ?? DEFAULT_WEBHOOK_RETRY_MS
        continue
      }
      await new Promise<void>((resume) => {
        this.#wake = resume
        this.#retry = this.#options.clock.setTimeout(resume, waitMs)
      })
      waitMs = Math.min(waitMs * 2, this.#options.maxRetryMs ?? DEFAULT_WEBHOOK_MAX_RETRY_MS)
    }
  }

  async #deliver(reply: OutboxReply, webhook: ReplyWebhook): Promise<boolean> {
    const event =
      webhook.dialect === 'canonical'
        ? reply.envelope
        : this.#converter.fromCanonical(webhook.dialect, reply.envelope)
    const body = JSON.stringify(event)
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'idempotency-key': reply.responseId,
    }
    if (webhook.secret !== undefined)
      headers[WEBHOOK_SIGNATURE_HEADER] =
        `sha256=${createHmac('sha256', webhook.secret).update(body).digest('hex')}`
    const deadline = deadlineSignal(this.#options.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS, this.#abort.signal)
    try {
      const response = await fetch(webhook.url, { method: 'POST', headers, body, signal: deadline.signal })
      await response.arrayBuffer().catch(() => undefined)
      if (response.ok) return true
      this.#options.logger.warn('a channel webhook refused a reply; it will be retried', {
        url: webhook.url,
        status: response.status,
        responseId: reply.responseId,
      })
    } catch (error) {
      if (!this.#closed)
        this.#options.logger.warn('a channel webhook could not be reached; the reply will be retried', {
          url: webhook.url,
          error: (error as Error).message,
          responseId: reply.responseId,
        })
    } finally {
      deadline.clear()
    }
    return false
  }
}
