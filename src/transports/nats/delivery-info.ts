import type { JsMsg } from '@nats-io/jetstream'

/** What a consumer needs from a JetStream delivery's reply subject. */
export interface Delivery {
  /** The stream sequence of the event. */
  seq: number
  /** 1 for the first delivery, counting redeliveries. */
  deliveryCount: number
}

const DOT = 46
const ZERO = 48
const NINE = 57

/**
 * Reads the stream sequence and delivery count from the ack subject the server put on a delivery:
 * `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts>.<pending>` (9 tokens) or, with a
 * domain and account hash, `$JS.ACK.<domain>.<hash>.<stream>.<consumer>.<delivered>.<sseq>.…`
 * (11 or 12 tokens). nats.js's `message.info` splits the subject into strings and parses all five
 * numbers for every message (4% of the consume path in a profile); this reads the two it needs.
 * `ackPrefix` (`$JS.ACK.<stream>.<consumer>.`) is the runner's own, so the common form is read
 * from a known offset. Anything not recognised goes to nats.js's parser, which throws as before.
 */
export function deliveryOf(message: JsMsg, ackPrefix = ''): Delivery {
  // nats.js's message class has the ack subject as `reply`; its public type does not list it.
  const reply = (message as { reply?: unknown }).reply
  if (typeof reply === 'string' && reply.startsWith('$JS.ACK.')) {
    if (ackPrefix !== '' && reply.startsWith(ackPrefix)) {
      const known = fromOwnPrefix(reply, ackPrefix.length)
      if (known !== undefined) return known
    }
    const at = tokenOffset(reply)
    const next = at < 0 ? 0 : reply.indexOf('.', at) + 1
    const deliveryCount = next > 0 ? numberToken(reply, at) : 0
    const seq = next > 0 ? numberToken(reply, next) : 0
    if (deliveryCount > 0 && seq > 0) return { seq, deliveryCount }
  }
  const info = message.info
  return { seq: info.streamSequence, deliveryCount: info.deliveryCount }
}

/**
 * `<delivered>.<sseq>.<dseq>.<ts>.<pending>` from `start` in one pass: the two numbers, when the
 * rest has exactly the 9-token form's five tokens and both are numbers; otherwise undefined.
 */
function fromOwnPrefix(reply: string, start: number): Delivery | undefined {
  let dots = 0
  let deliveryCount = 0
  let seq = 0
  let tokenStart = start
  for (let index = start; index < reply.length; index++) {
    const code = reply.charCodeAt(index)
    if (code === DOT) {
      if (dots < 2 && index === tokenStart) return undefined
      dots++
      tokenStart = index + 1
      continue
    }
    if (dots >= 2) continue
    if (code < ZERO || code > NINE || index - tokenStart >= 15) return undefined
    if (dots === 0) deliveryCount = deliveryCount * 10 + (code - ZERO)
    else seq = seq * 10 + (code - ZERO)
  }
  return dots === 4 && deliveryCount > 0 && seq > 0 ? { seq, deliveryCount } : undefined
}

function dotsFrom(text: string, start: number): number {
  let dots = 0
  for (let index = start; index < text.length; index++) if (text.charCodeAt(index) === DOT) dots++
  return dots
}

/** Index of the delivered-count token, from how many tokens the subject has (-1: unknown form). */
function tokenOffset(reply: string): number {
  const dots = dotsFrom(reply, 0)
  // 9 tokens: the count is token 4; 11 or 12 tokens (domain, account hash[, random]): token 6.
  const token = dots === 8 ? 4 : dots === 10 || dots === 11 ? 6 : -1
  if (token < 0) return -1
  let index = 0
  for (let seen = 0; seen < token; index++) if (reply.charCodeAt(index) === DOT) seen++
  return index
}

/** The decimal number filling the token that starts at `start`; 0 when it is not one. */
function numberToken(text: string, start: number): number {
  let value = 0
  let index = start
  for (; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if (code === DOT) break
    if (code < ZERO || code > NINE || index - start >= 15) return 0
    value = value * 10 + (code - ZERO)
  }
  return value
}
