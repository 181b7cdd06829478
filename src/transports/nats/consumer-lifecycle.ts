import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream'
import type { NatsConnection, Subscription } from '@nats-io/transport-node'
import type { ConsumerConfig, TransportContext } from '../../bus/index.ts'
import { toHubError } from '../../contracts/index.ts'
import { ConsumerRunner } from './consumer-runner.ts'
import { ensureConsumer, serverTiming } from './consumer-setup.ts'
import type { DeadLetters } from './dead-letters.ts'
import {
  type CodecSettings,
  decodeMessage,
  rejectedEnvelope,
  storedEnvelope,
  type WireMessage,
} from './message-codec.ts'
import { consumerToken, type HubNames } from './names.ts'
import type { NatsSettings } from './nats-options.ts'
import type { ServerFeatures } from './server-features.ts'

export interface ConsumerSetupDependencies {
  js: JetStreamClient
  jsm: JetStreamManager
  nc: NatsConnection
  names: HubNames
  settings: Readonly<NatsSettings>
  context: TransportContext
  codec: CodecSettings
  deadLetters: DeadLetters
  features: ServerFeatures
  /** True while the connection to the server is lost (the outage monitor's view). */
  isDisconnected?: () => boolean
}

/**
 * How long stopping an ephemeral consumer waits for the server to delete it. The deletes only
 * tidy up: the consumer has an inactivity threshold, so the server removes it anyway. Without a
 * bound, each stop on a vanished server waited out two JetStream API timeouts (decision 1634).
 */
export const EPHEMERAL_DELETE_WAIT_MS = 1_000

export interface RunningConsumer {
  runner: ConsumerRunner
  advisory: Subscription
  cleanup(): Promise<void>
}

interface MaxDeliveriesAdvisory {
  stream_seq?: number
  deliveries?: number
}

/** Creates (or joins) the JetStream consumers of one bus consumer and starts pulling. */
export function consumerSetupFor(deps: ConsumerSetupDependencies) {
  const { js, jsm, nc, names, settings, context, codec, deadLetters } = deps

  async function readSeq(seq: number): Promise<WireMessage | undefined> {
    const stored = await jsm.streams.getMessage(names.stream, { seq }).catch(() => null)
    return stored === null
      ? undefined
      : { subject: stored.subject, data: stored.data, headers: stored.header }
  }

  return async function setup(config: ConsumerConfig): Promise<RunningConsumer> {
    const token = consumerToken(config.name)
    const redoName = `${token}_redo`
    const timing = serverTiming(config)
    // Ephemeral subscriptions ('ephemeral.<id>') end with their member; generated queue names are
    // shared by members in other processes, so only the server's inactivity timer removes those.
    const deleteOnStop = !config.durable && config.name.startsWith('ephemeral.')
    const base = {
      busName: config.name,
      busFilter: config.filter,
      durable: config.durable,
      inactiveMs: settings.ephemeralInactiveMs,
    }
    // Both at once: consumer setup sits on the path of every subscribe (and of bus.request).
    await Promise.all([
      ensureConsumer(
        jsm,
        {
          ...base,
          stream: names.stream,
          jetStreamName: token,
          filterSubject: `${names.prefix}.${config.filter}`,
        },
        config,
        timing,
        config.deliverFrom,
      ),
      ensureConsumer(
        jsm,
        {
          ...base,
          stream: names.dlqStream,
          jetStreamName: redoName,
          filterSubject: names.redoSubject(token),
          busFilter: `redo:${config.filter}`,
        },
        config,
        timing,
        'new',
      ),
    ])
    const runner = new ConsumerRunner({
      config,
      js,
      stream: names.stream,
      jetStreamName: token,
      redoStream: names.dlqStream,
      redoName,
      clock: context.clock,
      codec,
      deadLetters,
      readSeq,
      onError: context.onError,
    })
    await runner.start(timing.ackWaitMs)
    // The server gave up on a delivery nobody here settled (its process died, or the final attempt
    // outlived the server's timer): copy it to the DLQ with what is known.
    const advisory = nc.subscribe(`$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${names.stream}.${token}`, {
      callback: (error, message) => {
        if (error !== null) return
        let event: MaxDeliveriesAdvisory
        try {
          event = message.json<MaxDeliveriesAdvisory>()
        } catch {
          return
        }
        const seq = event.stream_seq
        if (typeof seq !== 'number' || runner.holds(seq)) return
        void (async () => {
          const raw = await readSeq(seq)
          if (raw === undefined) return
          const decoded = decodeMessage(raw, codec, 'stored')
          const lastError = `no acknowledgement after ${event.deliveries ?? config.maxDeliver} deliveries (the handler's process stopped or timed out)`
          const envelope = decoded.ok
            ? storedEnvelope(decoded, seq)
            : rejectedEnvelope(raw, names.prefix, decoded.reason, context.clock.now())
          const moved = await deadLetters.move(
            config.name,
            seq,
            envelope,
            event.deliveries ?? config.maxDeliver,
            lastError,
            `m:${seq}.${event.deliveries ?? 0}`,
          )
          config.onDeadLetter(moved)
        })().catch((failure: unknown) =>
          context.onError(
            toHubError(failure, 'E_IO'),
            `nats consumer ${config.name}: max-deliveries advisory`,
          ),
        )
      },
    })
    return {
      runner,
      advisory,
      async cleanup() {
        advisory.unsubscribe()
        await runner.stop()
        if (deleteOnStop && deps.isDisconnected?.() !== true) {
          let timer: NodeJS.Timeout | undefined
          await Promise.race([
            Promise.allSettled([
              jsm.consumers.delete(names.stream, token),
              jsm.consumers.delete(names.dlqStream, redoName),
            ]),
            new Promise<void>((resolve) => {
              timer = setTimeout(resolve, EPHEMERAL_DELETE_WAIT_MS)
            }),
          ])
          clearTimeout(timer)
        }
      },
    }
  }
}
