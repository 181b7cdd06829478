import { AckPolicy, DeliverPolicy, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream'
import { compileTypePattern, envelopeTimeMs, type ReadQuery, type TopicStat } from '../../bus/index.ts'
import type { Envelope, HubError } from '../../contracts/index.ts'
import { type CodecSettings, decodeMessage, storedEnvelope } from './message-codec.ts'
import type { HubNames } from './names.ts'
import { nanos } from './nats-options.ts'

const READ_BATCH = 512

export interface LogReaderDependencies {
  js: JetStreamClient
  jsm: JetStreamManager
  names: HubNames
  codec: CodecSettings
  onError(error: HubError, where: string): void
}

/** Replay through a short-lived, unacknowledged consumer; messages that fail decoding are skipped. */
export async function* readLog(deps: LogReaderDependencies, query: ReadQuery): AsyncIterable<Envelope> {
  const { js, jsm, names } = deps
  const state = (await jsm.streams.info(names.stream)).state
  const fromSeq = Math.max(query.fromSeq ?? 1, state.first_seq, 1)
  const toSeq = Math.min(query.toSeq ?? Number.POSITIVE_INFINITY, state.last_seq)
  if (state.messages === 0 || fromSeq > toSeq) return
  let remainingLimit = query.limit ?? Number.POSITIVE_INFINITY
  if (remainingLimit <= 0) return
  const filter = query.filter ?? '>'
  const matches = compileTypePattern(filter)
  const info = await jsm.consumers.add(names.stream, {
    ack_policy: AckPolicy.None,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: fromSeq,
    filter_subject: `${names.prefix}.${filter}`,
    inactive_threshold: nanos(30_000),
    mem_storage: true,
  })
  try {
    let remaining = info.num_pending
    const consumer = await js.consumers.get(names.stream, info.name)
    while (remaining > 0) {
      const batch = await consumer.fetch({ max_messages: Math.min(READ_BATCH, remaining), expires: 5000 })
      let got = 0
      for await (const message of batch) {
        got++
        remaining--
        if (message.seq > toSeq) return
        const decoded = decodeMessage(message, deps.codec, 'stored')
        if (!decoded.ok || !matches(decoded.envelope.type)) continue
        const timeMs = envelopeTimeMs(decoded.envelope)
        if (query.fromTime !== undefined && !(timeMs >= query.fromTime)) continue
        if (query.toTime !== undefined && !(timeMs <= query.toTime)) continue
        yield storedEnvelope(decoded, message.seq)
        if (--remainingLimit <= 0) return
      }
      if (got === 0) break
    }
  } finally {
    await jsm.consumers.delete(names.stream, info.name).catch(() => undefined)
  }
}

/** Per type: count (from the stream's subject counts) and the last event's seq and ts. */
export async function logTopics(deps: LogReaderDependencies): Promise<TopicStat[]> {
  const { jsm, names } = deps
  const info = await jsm.streams.info(names.stream, { subjects_filter: `${names.prefix}.>` })
  const stats: TopicStat[] = []
  for (const [subject, count] of Object.entries(info.state.subjects ?? {})) {
    const type = subject.slice(names.prefix.length + 1)
    const last = await jsm.streams.getMessage(names.stream, { last_by_subj: subject }).catch(() => null)
    if (last === null) continue
    let lastTs = last.time.toISOString()
    const decoded = decodeMessage(
      { subject: last.subject, data: last.data, headers: last.header },
      deps.codec,
      'stored',
    )
    if (decoded.ok) lastTs = decoded.envelope.ts
    stats.push({ type, count, lastSeq: last.seq, lastTs })
  }
  return stats.sort((a, b) => a.type.localeCompare(b.type))
}
