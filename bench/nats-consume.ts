// Consume with acks, timed the same way for the NATS transport and for raw nats.js (issue 17):
// from creating the durable consumer until the server reports every event delivered and acked
// (not merely handled: an ack still in a buffer is not done), with the process's CPU time
// (process.cpuUsage) over the same window. The raw consumers get the transport's own consumer
// settings (ack wait, BackOff, max deliver, max ack pending) and the same pull size.
import {
  AckPolicy,
  type ConsumerConfig,
  DeliverPolicy,
  type JetStreamManager,
  type JsMsg,
  jetstream,
} from '@nats-io/jetstream'
import type { NatsConnection } from '@nats-io/transport-node'
import type { Bus } from '../src/bus/index.ts'
import { DEFAULT_PULL_BATCH } from '../src/transports/nats/index.ts'

/** The transport's pull size, given to every raw side too. */
export const PULL_BATCH = DEFAULT_PULL_BATCH

export interface ConsumeResult {
  rate: number
  cpuMicrosPerEvent: number
}

/** The settings the transport gave its consumer `name`, to give the raw consumers the same. */
export async function consumerSettingsOf(
  jsm: JetStreamManager,
  stream: string,
  name: string,
): Promise<Partial<ConsumerConfig>> {
  const { config } = await jsm.consumers.info(stream, name)
  return {
    ack_wait: config.ack_wait,
    max_deliver: config.max_deliver,
    max_ack_pending: config.max_ack_pending,
    ...(config.backoff === undefined ? {} : { backoff: config.backoff }),
  }
}

/** Polls the server until the consumer has nothing left to deliver and nothing unacknowledged. */
async function untilAllAcked(jsm: JetStreamManager, stream: string, name: string): Promise<void> {
  for (;;) {
    const info = await jsm.consumers.info(stream, name)
    if (info.num_pending === 0 && info.num_ack_pending === 0 && info.delivered.stream_seq > 0) return
  }
}

async function measured(
  events: number,
  run: (done: () => void) => Promise<void>,
  acked: () => Promise<void>,
): Promise<ConsumeResult> {
  let done: () => void = () => {}
  const finished = new Promise<void>((resolve) => {
    done = resolve
  })
  const cpu = process.cpuUsage()
  const started = performance.now()
  await run(done)
  await finished
  await acked()
  const seconds = (performance.now() - started) / 1000
  const used = process.cpuUsage(cpu)
  return { rate: events / seconds, cpuMicrosPerEvent: (used.user + used.system) / events }
}

/** The transport: a durable bus subscription from the first event, a handler that counts. */
export function transportConsume(
  bus: Bus,
  monitor: JetStreamManager,
  stream: string,
  events: number,
): Promise<ConsumeResult> {
  let handled = 0
  return measured(
    events,
    async (done) => {
      await bus.subscribe(
        'note.added',
        () => {
          if (++handled === events) done()
        },
        { durable: 'drain', from: 'first' },
      )
    },
    () => untilAllAcked(monitor, stream, 'drain'),
  )
}

export type RawStyle = 'callback' | 'iterator'

/**
 * Raw nats.js: a durable pull consumer, `consume()` with the same pull size, `JSON.parse` and an
 * ack per message. 'callback' hands each message over inside nats.js's socket read, so a read's
 * acks leave in one write — the fastest way nats.js consumes, and the baseline. 'iterator' is
 * `for await`, one promise step per message (the baseline before decision 1765: about half as fast).
 */
export function rawConsume(
  nc: NatsConnection,
  monitor: JetStreamManager,
  stream: string,
  subject: string,
  settings: Partial<ConsumerConfig>,
  style: RawStyle,
  events: number,
): Promise<ConsumeResult> {
  const name = `raw-${style}`
  let handled = 0
  return measured(
    events,
    async (done) => {
      await monitor.consumers.add(stream, {
        ...settings,
        durable_name: name,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        filter_subject: subject,
      })
      const consumer = await jetstream(nc).consumers.get(stream, name)
      if (style === 'callback') {
        const handle = (message: JsMsg) => {
          JSON.parse(message.string())
          message.ack()
          if (++handled === events) {
            done()
            messages.stop()
          }
        }
        const messages = await consumer.consume({ max_messages: PULL_BATCH, callback: handle })
        return
      }
      const messages = await consumer.consume({ max_messages: PULL_BATCH })
      void (async () => {
        for await (const message of messages) {
          JSON.parse(message.string())
          message.ack()
          if (++handled === events) break
        }
        done()
      })()
    },
    () => untilAllAcked(monitor, stream, name),
  )
}
