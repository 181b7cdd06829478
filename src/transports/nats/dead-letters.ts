import { AckPolicy, DeliverPolicy, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream'
import type { Clock, DeadLetterEntry, DeadLetterQuery } from '../../bus/index.ts'
import type { Envelope } from '../../contracts/index.ts'
import { consumerToken, type HubNames } from './names.ts'
import { nanos } from './nats-options.ts'

interface StoredDeadLetter {
  consumer: string
  seq: number
  eventId: string
  eventType: string
  attempts: number
  lastError: string
  movedAt: string
  envelope: Envelope
}

export interface RedoRequest {
  seq: number
  dlqId: number
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const READ_BATCH = 256
const MAX_ERROR_CHARS = 4000

/**
 * The hub's dead-letter queue: a stream (`LH_<hub>_DLQ`) whose sequence is the dlqId. A retry
 * publishes a redo request on `hub.<id>._redo.<consumer>`, which the consumer's redo reader
 * turns back into a delivery of the original event (attempts start again).
 */
export class DeadLetters {
  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly names: HubNames,
    private readonly clock: Clock,
  ) {}

  /** Copies an event into the DLQ (deduped per consumer, seq and delivery) and returns the entry. */
  async move(
    consumer: string,
    seq: number,
    envelope: Envelope,
    attempts: number,
    lastError: string,
    deliveryKey: string,
  ): Promise<DeadLetterEntry> {
    const record: StoredDeadLetter = {
      consumer,
      seq,
      eventId: envelope.id,
      eventType: envelope.type,
      attempts,
      lastError: lastError.slice(0, MAX_ERROR_CHARS),
      movedAt: new Date(this.clock.now()).toISOString(),
      envelope,
    }
    const ack = await this.js.publish(
      this.names.dlqSubject(consumerToken(consumer)),
      encoder.encode(JSON.stringify(record)),
      {
        msgID: `dlq.${consumerToken(consumer)}.${deliveryKey}`,
      },
    )
    return { dlqId: ack.seq, ...record }
  }

  async list(query: DeadLetterQuery): Promise<DeadLetterEntry[]> {
    const filter =
      query.consumer === undefined
        ? this.names.dlqFilter
        : this.names.dlqSubject(consumerToken(query.consumer))
    const ids = query.ids === undefined ? undefined : new Set(query.ids)
    const limit = query.limit ?? Number.POSITIVE_INFINITY
    const found: DeadLetterEntry[] = []
    const info = await this.jsm.consumers.add(this.names.dlqStream, {
      ack_policy: AckPolicy.None,
      deliver_policy: DeliverPolicy.All,
      filter_subject: filter,
      inactive_threshold: nanos(30_000),
      mem_storage: true,
    })
    try {
      let remaining = info.num_pending
      if (remaining === 0) return found
      const consumer = await this.js.consumers.get(this.names.dlqStream, info.name)
      while (remaining > 0 && found.length < limit) {
        const batch = await consumer.fetch({ max_messages: Math.min(READ_BATCH, remaining), expires: 2000 })
        let got = 0
        for await (const message of batch) {
          got++
          remaining--
          let record: StoredDeadLetter
          try {
            record = JSON.parse(decoder.decode(message.data)) as StoredDeadLetter
          } catch {
            continue
          }
          if (query.consumer !== undefined && record.consumer !== query.consumer) continue
          if (ids !== undefined && !ids.has(message.seq)) continue
          if (found.length < limit) found.push({ dlqId: message.seq, ...record })
        }
        if (got === 0) break
      }
      return found
    } finally {
      await this.jsm.consumers.delete(this.names.dlqStream, info.name).catch(() => undefined)
    }
  }

  async remove(entries: DeadLetterEntry[]): Promise<void> {
    for (const entry of entries)
      await this.jsm.streams.deleteMessage(this.names.dlqStream, entry.dlqId, false).catch(() => false)
  }

  async requestRedo(entries: DeadLetterEntry[]): Promise<void> {
    for (const entry of entries) {
      const request: RedoRequest = { seq: entry.seq, dlqId: entry.dlqId }
      await this.js.publish(
        this.names.redoSubject(consumerToken(entry.consumer)),
        encoder.encode(JSON.stringify(request)),
        {
          msgID: `redo.${entry.dlqId}`,
        },
      )
    }
  }
}

export function parseRedo(data: Uint8Array): RedoRequest | undefined {
  try {
    const value = JSON.parse(decoder.decode(data)) as RedoRequest
    return Number.isInteger(value.seq) && value.seq > 0 ? value : undefined
  } catch {
    return undefined
  }
}
