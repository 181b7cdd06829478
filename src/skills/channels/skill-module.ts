import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { uuidV7 } from '../../bus/index.ts'
import { type Envelope, HubError } from '../../contracts/index.ts'
import { defineSkill, type RunState, type SkillContext } from '../../skill-api/index.ts'
import { outboxRoutes } from './outbox-routes.ts'
import { DEFAULT_OUTBOX_DATABASE, DEFAULT_OUTBOX_RETENTION_MS, ReplyOutbox } from './reply-outbox.ts'
import { type InboundRouting, inboundRoutingOf, LastActiveChannels, replyTargetFor } from './reply-target.ts'
import { parseWebhooks, WebhookPusher } from './reply-webhooks.ts'

/** The call step's mode that opens a channel turn (agent.turn.started); any other mode answers it. */
export const START_MODE = 'start'
/** Error codes worth retrying the message for: the cause may pass. */
const RETRYABLE_CODES = new Set(['E_TIMEOUT', 'E_DEPENDENCY_UNAVAILABLE', 'E_RESOURCE_LIMIT'])
/** The longest error message agent.turn.failed carries (its schema's limit). */
const MAX_ERROR_MESSAGE_CHARS = 4000
/** Where a run keeps its channel turn between the two steps. */
const TURN_KEY = 'skill.channels:turn'

/** A channel turn between its start step and its end. */
interface ChannelTurn {
  readonly turnId: string
  readonly sessionId: string
  readonly traceId: string
  readonly startedAt: number
  readonly tenant: string
  /** meta of every agent.* event of the turn: the Pinchy routing a consumer converts back. */
  readonly meta: Record<string, unknown>
}

function routingMeta(inbound: InboundRouting, run: RunState, channels: LastActiveChannels) {
  const target = replyTargetFor(inbound, run.sessionId, channels)
  return {
    pinchy: {
      routing: {
        agent_id: inbound.agentId,
        ...(inbound.isolationKey === undefined ? {} : { isolation_key: inbound.isolationKey }),
        ...(target === undefined ? {} : { target }),
      },
    },
  }
}

/**
 * skill.channels: the answer of an inbound channel turn goes back as seed 004's
 * agent.response.created, routed to the message's channel, with agent.turn.started, completed or
 * failed around it. A `call` step with mode `start` opens the turn; a plain `call` step at the end
 * publishes the answer. A failed turn never reaches that step: its turn.end (outcome error) is
 * seen through a subscription, with the error.raised before it.
 */
export const channelsSkillModule = defineSkill({
  name: 'channels',
  configKeys: ['outbox', 'outboxRetentionHours', 'webhooks'],
  configShape: { webhooks: [{ platform: true, url: true, dialect: true, secretEnv: true }] },
  emits: ['agent.turn.started', 'agent.response.created', 'agent.turn.completed', 'agent.turn.failed'],
  open(context: SkillContext) {
    const { bus, clock } = context
    const channels = new LastActiveChannels()
    const open = new Map<string, ChannelTurn>()
    const errors = new Map<string, { code: string; message: string }>()

    const outbox = openOutbox(context)
    const webhooks = parseWebhooks(context.config.webhooks, context.env)
    if (webhooks.length > 0 && outbox === undefined)
      throw new HubError('E_VALIDATION', 'webhooks push replies from the outbox: set outbox: true')
    const pusher =
      outbox === undefined || webhooks.length === 0
        ? undefined
        : new WebhookPusher({ outbox, webhooks, clock, logger: context.logger })
    const consumes = context.skill.consumes
    const watchesTurnEnds = consumes.includes('turn.end')

    const envelopeOf = (
      turn: ChannelTurn,
      type: string,
      payload: Record<string, unknown>,
      extra: { causationId?: string; idempotencyKey?: string } = {},
    ) => {
      const now = clock.now()
      return {
        id: uuidV7(now),
        type,
        version: 1,
        ts: new Date(now).toISOString(),
        source: context.skill.id,
        severity: 'info',
        traceId: turn.traceId,
        sessionId: turn.sessionId,
        tenant: turn.tenant,
        ...extra,
        payload,
        meta: turn.meta,
      }
    }
    const publish = async (
      turn: ChannelTurn,
      type: string,
      payload: Record<string, unknown>,
      causationId?: string,
    ) => {
      await bus.publishUntyped(
        envelopeOf(turn, type, payload, causationId === undefined ? {} : { causationId }),
      )
    }

    const start = async (run: RunState) => {
      const turn: ChannelTurn = {
        turnId: randomUUID(),
        sessionId: run.sessionId,
        traceId: run.traceId,
        startedAt: clock.now(),
        tenant: run.signal?.tenant ?? 'default',
        meta: routingMeta(inboundRoutingOf(run.signal), run, channels),
      }
      run.data.set(TURN_KEY, turn)
      // Kept for agent.turn.failed only where turn.end is seen, which also forgets it.
      if (watchesTurnEnds) open.set(turn.traceId, turn)
      await publish(
        turn,
        'agent.turn.started',
        {
          turn_id: turn.turnId,
          ...(run.signal === undefined
            ? {}
            : { trigger_event_id: run.signal.id, trigger_event_type: run.signal.type }),
        },
        run.signal?.id,
      )
    }

    const answer = async (run: RunState) => {
      // Without a start step the turn opens here, so the answer always follows a started event.
      if (!run.data.has(TURN_KEY)) await start(run)
      const turn = run.data.get(TURN_KEY) as ChannelTurn
      const responseId = randomUUID()
      const usage = {
        ...(run.usage?.promptTokens === undefined ? {} : { input_tokens: run.usage.promptTokens }),
        ...(run.usage?.completionTokens === undefined ? {} : { output_tokens: run.usage.completionTokens }),
      }
      const response = envelopeOf(
        turn,
        'agent.response.created',
        {
          response_id: responseId,
          content: run.answer === '' ? [] : [{ type: 'text', text: run.answer }],
          ...(Object.keys(usage).length === 0 ? {} : { usage }),
        },
        // A reply published again after a crash is dropped by the bus.
        { idempotencyKey: `channel-reply:${responseId}` },
      )
      // Written before it is published: a crash in between publishes it on the next start.
      outbox?.add(responseId, response, clock.now())
      await bus.publishUntyped(response)
      outbox?.markPublished(responseId)
      pusher?.kick()
      open.delete(turn.traceId)
      errors.delete(turn.traceId)
      await publish(turn, 'agent.turn.completed', {
        turn_id: turn.turnId,
        response_id: responseId,
        duration_ms: Math.max(0, Math.round(clock.now() - turn.startedAt)),
      })
    }

    const onError = (event: Envelope) => {
      if (!open.has(event.traceId)) return
      const { code, message } = event.payload as { code?: unknown; message?: unknown }
      errors.set(event.traceId, {
        code: typeof code === 'string' ? code : 'E_UNKNOWN',
        message: typeof message === 'string' ? message : 'the turn failed',
      })
    }

    const onTurnEnd = async (event: Envelope) => {
      const turn = open.get(event.traceId)
      if (turn === undefined || turn.sessionId !== event.sessionId) return
      if ((event.payload as { outcome?: string }).outcome !== 'error') return
      open.delete(turn.traceId)
      const error = errors.get(turn.traceId) ?? { code: 'E_UNKNOWN', message: 'the turn failed' }
      errors.delete(turn.traceId)
      await publish(
        turn,
        'agent.turn.failed',
        {
          turn_id: turn.turnId,
          error: {
            code: error.code,
            message: error.message.slice(0, MAX_ERROR_MESSAGE_CHARS),
            retryable: RETRYABLE_CODES.has(error.code),
          },
          duration_ms: Math.max(0, Math.round(clock.now() - turn.startedAt)),
        },
        event.id,
      )
    }

    // Replies a crash left unpublished go out now, in their order; the outbox keeps them for the gateway.
    const republished = (async () => {
      for (const reply of outbox?.pending(Number.MAX_SAFE_INTEGER) ?? []) {
        if (reply.published) continue
        await bus.publishUntyped(reply.envelope)
        outbox!.markPublished(reply.responseId)
      }
      // Replies a crash left undelivered are pushed again.
      pusher?.kick()
    })().catch((error: Error) =>
      context.logger.warn('channel replies left by a crash could not be published', { error: error.message }),
    )

    return {
      runtime: {
        status: () => ({ state: 'ready' }),
        async invoke({ run, step }) {
          if (step.mode === START_MODE) await start(run)
          else await answer(run)
        },
      },
      subscriptions: [
        ...(consumes.includes('error.raised')
          ? [{ pattern: 'error.raised', handler: onError, options: { from: 'new' as const } }]
          : []),
        ...(watchesTurnEnds
          ? [{ pattern: 'turn.end', handler: onTurnEnd, options: { from: 'new' as const } }]
          : []),
      ],
      routes: outbox === undefined ? [] : [outboxRoutes(outbox)],
      async close() {
        await republished
        await pusher?.close()
        outbox?.close()
      },
    }
  },
})

/** The outbox when `config.outbox` is true (it keeps answers' words on disk until acknowledged). */
function openOutbox(context: SkillContext): ReplyOutbox | undefined {
  const { outbox, outboxRetentionHours } = context.config
  if (outbox !== undefined && typeof outbox !== 'boolean')
    throw new HubError('E_VALIDATION', `outbox must be true or false, got ${JSON.stringify(outbox)}`)
  if (
    outboxRetentionHours !== undefined &&
    (typeof outboxRetentionHours !== 'number' || !(outboxRetentionHours > 0))
  )
    throw new HubError('E_VALIDATION', 'outboxRetentionHours must be a number of hours > 0')
  if (outbox !== true) return undefined
  const store = new ReplyOutbox(join(context.dataDir, DEFAULT_OUTBOX_DATABASE))
  const retentionMs =
    outboxRetentionHours === undefined ? DEFAULT_OUTBOX_RETENTION_MS : outboxRetentionHours * 3_600_000
  store.prune(context.clock.now() - retentionMs)
  return store
}
