import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamManager,
  type ConsumerConfig as JsConsumerConfig,
} from '@nats-io/jetstream'
import type { ConsumerConfig } from '../../bus/index.ts'
import { HubError } from '../../contracts/index.ts'
import { nanos } from './nats-options.ts'

export interface ServerTiming {
  /** First delivery's server-side ack wait (JetStream replaces AckWait with BackOff[0]). */
  ackWaitMs: number
  /** BackOff[n-1] = the bus's ackWait + backoff[n-1]: redelivery timing when this process is gone. */
  backoffMs: number[]
}

/** JetStream needs MaxDeliver > len(BackOff); only the first maxDeliver-1 delays are ever used. */
export function serverTiming(
  config: Pick<ConsumerConfig, 'ackWaitMs' | 'backoffMs' | 'maxDeliver'>,
): ServerTiming {
  const usable = config.maxDeliver > 1 ? config.backoffMs.slice(0, config.maxDeliver - 1) : []
  const backoffMs = usable.map((delay) => config.ackWaitMs + delay)
  return { ackWaitMs: backoffMs[0] ?? config.ackWaitMs, backoffMs }
}

function deliverPolicy(from: ConsumerConfig['deliverFrom']): Partial<JsConsumerConfig> {
  if (from === 'new') return { deliver_policy: DeliverPolicy.New }
  if (from === 'first') return { deliver_policy: DeliverPolicy.All }
  if ('seq' in from)
    return from.seq <= 1
      ? { deliver_policy: DeliverPolicy.All }
      : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from.seq }
  return { deliver_policy: DeliverPolicy.StartTime, opt_start_time: new Date(from.time).toISOString() }
}

export interface ConsumerSpec {
  stream: string
  jetStreamName: string
  filterSubject: string
  busName: string
  busFilter: string
  durable: boolean
  inactiveMs: number
}

function isNotFound(error: unknown): boolean {
  return /not found/i.test((error as Error)?.message ?? '')
}

/** Creates the JetStream consumer, or checks that an existing one has the same filter. */
export async function ensureConsumer(
  jsm: JetStreamManager,
  spec: ConsumerSpec,
  config: ConsumerConfig,
  timing: ServerTiming,
  from: ConsumerConfig['deliverFrom'],
): Promise<void> {
  const description = JSON.stringify({ consumer: spec.busName, filter: spec.busFilter })
  const check = (found: { config: JsConsumerConfig }) => {
    if (found.config.filter_subject !== spec.filterSubject) {
      let filter = found.config.filter_subject ?? '?'
      try {
        filter = (JSON.parse(found.config.description ?? '{}') as { filter?: string }).filter ?? filter
      } catch {}
      throw new HubError(
        'E_BAD_REQUEST',
        `durable consumer ${spec.busName} exists with filter ${filter}, not ${spec.busFilter}; use another name`,
      )
    }
  }
  // A non-durable consumer is created outright (its name is unique or carries its filter); a
  // durable one may exist already, bound to a filter.
  if (spec.durable) {
    try {
      check(await jsm.consumers.info(spec.stream, spec.jetStreamName))
      return
    } catch (error) {
      if (error instanceof HubError || !isNotFound(error)) throw error
    }
  }
  const settings: Partial<JsConsumerConfig> = {
    name: spec.jetStreamName,
    description,
    ack_policy: AckPolicy.Explicit,
    ...deliverPolicy(from),
    filter_subject: spec.filterSubject,
    ack_wait: nanos(timing.ackWaitMs),
    max_deliver: config.maxDeliver,
    max_ack_pending: config.maxAckPending,
  }
  if (timing.backoffMs.length > 0) settings.backoff = timing.backoffMs.map(nanos)
  if (spec.durable) settings.durable_name = spec.jetStreamName
  else settings.inactive_threshold = nanos(spec.inactiveMs)
  try {
    await jsm.consumers.add(spec.stream, settings)
  } catch (error) {
    // Created meanwhile by another member or process: same rules as above.
    const found = await jsm.consumers.info(spec.stream, spec.jetStreamName).catch(() => undefined)
    if (found === undefined) throw error
    check(found)
  }
}
