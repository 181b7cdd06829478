import type { Envelope } from '../contracts/index.ts'
import type { EventContext, PublishReceipt } from './bus-types.ts'
import { replyTypeOf } from './request-reply.ts'

/** How a context publishes its reply: the bus's own publish, as the delivery's principal. */
export type ReplyPublish = (
  draft: Record<string, unknown>,
  principal: string | undefined,
) => Promise<PublishReceipt>

type Reply = EventContext['reply']

/**
 * The context handed with each delivery. `reply` is an accessor on the prototype that makes its
 * function only when read (once per context), instead of a fresh closure per delivery: under tsx
 * every such closure also paid an `Object.defineProperty` for its name (decision 2092). Reading
 * `context.reply` (a call, or `const { reply } = context`) gives a function that works detached,
 * as the own property did; only a spread or `Object.keys` of a context no longer shows `reply`.
 */
export class DeliveryContext implements EventContext {
  declare seq?: number
  attempt: number
  declare consumer?: string
  readonly #envelope: Envelope
  readonly #principal: string | undefined
  readonly #publish: ReplyPublish
  #reply: Reply | undefined

  constructor(
    publish: ReplyPublish,
    envelope: Envelope,
    principal: string | undefined,
    seq: number | undefined,
    attempt: number,
    consumer: string | undefined,
  ) {
    this.attempt = attempt
    if (seq !== undefined) this.seq = seq
    if (consumer !== undefined) this.consumer = consumer
    this.#envelope = envelope
    this.#principal = principal
    this.#publish = publish
    this.#reply = undefined
  }

  get reply(): Reply {
    this.#reply ??= (payload, options) =>
      replyTo(this.#publish, this.#envelope, this.#principal, payload, options)
    return this.#reply
  }
}

/** Publishes `<type>.result` answering `envelope`, with its causation, trace, session and tenant. */
function replyTo(
  publish: ReplyPublish,
  envelope: Envelope,
  principal: string | undefined,
  payload: Record<string, unknown>,
  options: { severity?: Envelope['severity'] } | undefined,
): Promise<PublishReceipt> {
  const draft: Record<string, unknown> = {
    type: replyTypeOf(envelope.type),
    payload,
    causationId: envelope.id,
    traceId: envelope.traceId,
    tenant: envelope.tenant,
  }
  if (envelope.sessionId !== undefined) draft.sessionId = envelope.sessionId
  if (options?.severity !== undefined) draft.severity = options.severity
  return publish(draft, principal)
}
