import type { JsMsg } from '@nats-io/jetstream'
import type { Clock, ConsumerConfig } from '../../bus/index.ts'
import { type HubError, toHubError } from '../../contracts/index.ts'
import { type Entry, entryKey } from './consumer-entry.ts'
import type { DeadLetters } from './dead-letters.ts'
import { type CodecSettings, rejectedEnvelope, type WireMessage } from './message-codec.ts'

/** What a consumer runner lends the moves to its dead-letter queue. */
export interface DeadLetterPorts {
  consumer: string
  config: ConsumerConfig
  codec: CodecSettings
  clock: Clock
  deadLetters: DeadLetters
  onError(error: HubError, where: string): void
}

/** Copies a delivery whose attempts are used up to the DLQ and terminates it there. */
export async function deadLetterEntry(
  ports: DeadLetterPorts,
  entry: Entry,
  lastError: string,
): Promise<void> {
  try {
    const moved = await ports.deadLetters.move(
      ports.consumer,
      entry.seq,
      entry.envelope,
      entry.attempt,
      lastError,
      `${entryKey(entry)}.${entry.message.info.deliveryCount}`,
    )
    entry.message.term()
    ports.config.onDeadLetter(moved)
  } catch (error) {
    // Not moved: leave it to the server's redelivery rather than lose it.
    entry.message.nak(1000)
    ports.onError(
      toHubError(error, 'E_IO'),
      `nats consumer ${ports.consumer}: moving seq ${entry.seq} to the DLQ`,
    )
  }
}

/** Copies a message that failed its checks to the DLQ with the reason, at once (decision 0904). */
export async function rejectDelivery(
  ports: DeadLetterPorts,
  message: JsMsg,
  seq: number,
  deliveryCount: number,
  reason: string,
  raw: WireMessage,
): Promise<void> {
  const envelope = rejectedEnvelope(raw, ports.codec.prefix, reason, ports.clock.now())
  try {
    const moved = await ports.deadLetters.move(
      ports.consumer,
      seq,
      envelope,
      deliveryCount,
      reason,
      `rejected.${message.seq}.${deliveryCount}`,
    )
    message.term()
    ports.config.onDeadLetter(moved)
  } catch (error) {
    message.nak(1000)
    ports.onError(toHubError(error, 'E_IO'), `nats consumer ${ports.consumer}: rejecting seq ${seq}`)
  }
}
