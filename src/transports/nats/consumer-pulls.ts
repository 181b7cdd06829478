import type { ConsumerMessages, JetStreamClient, JsMsg } from '@nats-io/jetstream'
import { type HubError, toHubError } from '../../contracts/index.ts'

/** Messages one pull asks for; nats.js asks for more when a quarter of it has arrived. */
export const DEFAULT_PULL_BATCH = 256
const REDO_PULL_BATCH = 16

export interface PullTargets {
  js: JetStreamClient
  stream: string
  jetStreamName: string
  redoStream: string
  redoName: string
  /** For failures: the bus consumer's name. */
  consumer: string
  onError(error: HubError, where: string): void
}

/**
 * Pulls a bus consumer's two JetStream consumers (the log's and its DLQ redo reader) into
 * callbacks rather than async iterators: each message is handed over inside nats.js's read of the
 * socket, without a promise step per message, so the acks of handlers that finish together share
 * one write (decision 1765). nats.js's consume() keeps pulls pipelined: it asks for the next batch
 * when a quarter of the current one has arrived, whether or not handlers have finished. A callback
 * must not throw: nats.js would stop pulling.
 */
export async function startPulls(
  targets: PullTargets,
  onMessage: (message: JsMsg) => void,
  onRedo: (message: JsMsg) => void,
  stopped: () => boolean,
): Promise<ConsumerMessages[]> {
  const [mainConsumer, redoConsumer] = await Promise.all([
    targets.js.consumers.get(targets.stream, targets.jetStreamName),
    targets.js.consumers.get(targets.redoStream, targets.redoName),
  ])
  const streams = await Promise.all([
    mainConsumer.consume({ max_messages: DEFAULT_PULL_BATCH, callback: onMessage }),
    redoConsumer.consume({ max_messages: REDO_PULL_BATCH, callback: onRedo }),
  ])
  for (const messages of streams) {
    // What the iterator threw before: a consumer deleted under us, a permission refused.
    void messages.closed().then((error) => {
      if (error instanceof Error && !stopped())
        targets.onError(toHubError(error, 'E_IO'), `nats consumer ${targets.consumer}: pulling`)
    })
  }
  return streams
}
