import { createHash } from 'node:crypto'
import { resolve } from 'node:path'
import { deadlineSignal, HubError, toHubError } from '../../contracts/index.ts'
import { createFrameValidator, type FrameSessionOptions } from '../../frames/index.ts'
import { hostToolTiersOf, type Skill } from '../../manifest/index.ts'
import {
  type ConsentPort,
  SERVICE_NAMES,
  type SkillContext,
  type SkillLifecyclePort,
  type SkillModule,
  type SkillToolsPort,
  type StepContext,
} from '../../skill-api/index.ts'
import type { ConnectionPorts } from './frame-connection.ts'
import {
  type StdioSupervisor,
  type StdioSupervisorOptions,
  startStdioSupervisor,
} from './stdio-supervisor.ts'

/** How long one call step may take unless the step or transport.timeoutMs says otherwise. */
export const DEFAULT_STDIO_CALL_TIMEOUT_MS = 30_000
/** How long a skill's permission request waits for the person before it counts as denied. */
export const DEFAULT_PERMISSION_WAIT_MS = 5 * 60_000

export interface StdioSkillSettings {
  /** Relative `cwd` resolves against the manifest's folder. */
  manifestDirectory: string
  /** Frame session options for every host (tests shorten heartbeats). */
  session?: FrameSessionOptions
  restartBaseMs?: number
  /** Reaches the host another way than a child process (transport: nats); the runtime is the same. */
  openHost?: (
    context: SkillContext,
    ports: ConnectionPorts,
    session: FrameSessionOptions | undefined,
  ) => StdioSupervisor
}

function consentPorts(context: SkillContext): Pick<ConnectionPorts, 'permission' | 'revokeConsent'> {
  const skillId = context.skill.id
  const consent = () => context.services.get<ConsentPort>(SERVICE_NAMES.consent)
  return {
    async permission(request) {
      const approvals = consent()
      if (approvals === undefined) return { decision: 'denied', receiptId: null }
      const description = `${request.descriptionEn}\n${request.descriptionKo}\n(risk: ${request.riskLevel}, ${request.primitive})`
      // A pseudo-path names what is consented to: approvals list paths, and this skill acts itself.
      const target = `/skills/${skillId}/${request.toolId ?? 'permission'}`
      const outcome = await approvals.request(
        {
          tool: `${skillId}.${request.toolId ?? 'permission'}`,
          tier: 'write_local_confirm',
          targets: [target],
          preview: { kind: 'diff', diff: description },
          fingerprint: createHash('sha256').update(`${skillId}\n${request.requestId}`).digest('hex'),
          consentOnly: true,
          requestId: request.requestId,
          riskLevel: request.riskLevel,
        },
        { traceId: request.requestId, actorSkill: skillId },
      )
      if (outcome.status === 'granted') return { decision: 'allow_once', receiptId: outcome.approvalId }
      const deadline = deadlineSignal(DEFAULT_PERMISSION_WAIT_MS, context.signal)
      const decided = await approvals
        .waitForDecision(outcome.approvalId, deadline.signal)
        .finally(() => deadline.clear())
      return {
        decision: decided.status === 'approved' ? 'allow_once' : 'denied',
        receiptId: outcome.approvalId,
      }
    },
    async revokeConsent(request) {
      const approvals = consent()
      if (approvals === undefined) return { ok: false, revokedAt: null, recordHash: null, error: 'io_error' }
      return approvals.revokeConsent({ ...request, by: skillId })
    },
  }
}

/** What the hub does with a host's publishes, permission requests and consent revokes (any transport). */
function hostPorts(context: SkillContext): ConnectionPorts {
  const { skill } = context
  return {
    async publish(request) {
      // As the skill's principal: the bus refuses a type outside its provides.
      await context.bus.publishUntyped({
        type: request.type,
        payload: request.payload,
        source: skill.id,
        idempotencyKey: request.eventGuid,
        ...(request.sessionId === undefined ? {} : { sessionId: request.sessionId }),
        ...(request.traceId === undefined ? {} : { traceId: request.traceId }),
      })
    },
    ...consentPorts(context),
    issue: (issue) => context.logger.warn('skill host sent a bad frame', { ...issue }),
  }
}

/**
 * The hub's environment minus the switches that would make a skill host attach over NATS: a hub
 * started with LOCALHUB_SKILL_NATS set must still talk to the hosts it starts over their pipes.
 */
function withoutNatsAttach(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  // The hub's NATS credentials (decision 1852) are not the children's business either.
  const {
    LOCALHUB_SKILL_NATS: _server,
    LOCALHUB_SKILL_SUBJECT: _subject,
    LOCALHUB_SKILL_NATS_USER: _user,
    LOCALHUB_SKILL_NATS_PASSWORD: _password,
    LOCALHUB_SKILL_NATS_TOKEN: _token,
    LOCALHUB_SKILL_NATS_CA: _ca,
    ...rest
  } = env
  return rest
}

function openStdioSkill(context: SkillContext, settings: StdioSkillSettings): StdioSupervisor {
  const { skill } = context
  const transport = skill.transport!
  // Another way to reach the host (transport: nats) behind the same runtime.
  if (settings.openHost !== undefined) return settings.openHost(context, hostPorts(context), settings.session)
  const cwd = resolve(settings.manifestDirectory, transport.cwd ?? '.')
  return startStdioSupervisor({
    skillId: skill.id,
    command: transport.command!,
    args: transport.args ?? [],
    cwd,
    env: { ...withoutNatsAttach(context.env), ...(transport.env ?? {}) },
    subscriptions: skill.consumes,
    validator: createFrameValidator(),
    logger: context.logger,
    ...(transport.timeoutMs === undefined ? {} : { startTimeoutMs: transport.timeoutMs }),
    ...(settings.session === undefined ? {} : { session: settings.session }),
    ...(settings.restartBaseMs === undefined ? {} : { restartBaseMs: settings.restartBaseMs }),
    namedTools: Object.keys(hostToolTiersOf(skill)),
    ports: hostPorts(context),
    ...lifecycleHooks(context),
  })
}

/** A tier the skill's own tools cannot have is refused before its host is started (decision 1832). */
function checkToolTier(skill: Skill): void {
  if (skill.capabilityTier === 'network_off_by_default')
    throw new HubError(
      'E_VALIDATION',
      `skill ${skill.id}: capabilityTier network_off_by_default does not apply to a skill's own tools; use read_only, write_local_confirm or destructive_two_step`,
      {
        details: {
          issues: [
            {
              path: '/capabilityTier',
              expected: 'read_only | write_local_confirm | destructive_two_step',
              got: skill.capabilityTier,
              message: 'not a tier for skill tools',
            },
          ],
        },
      },
    )
}

/**
 * With `capabilityTier` in its manifest entry, the skill's tools are offered to the model too, under
 * that tier (decision 1832); without it they are pipeline steps only. Returns the withdrawal.
 */
function offerTools(context: SkillContext, supervisor: StdioSupervisor, timeoutMs: number): () => void {
  const { skill } = context
  const tier = skill.capabilityTier
  if (tier === undefined || tier === 'network_off_by_default') return () => undefined
  const port = context.services.get<SkillToolsPort>(SERVICE_NAMES.skillTools)
  if (port === undefined) return () => undefined
  // config.tools: a tier per tool (at most the skill's, checked at load) or off (decision 1850).
  const tiers = hostToolTiersOf(skill)
  const tierOf = (toolId: string) => tiers[toolId] ?? tier
  return port.offer({
    skillId: skill.id,
    tier,
    tierOf,
    tools: () =>
      supervisor.status().state === 'ready'
        ? supervisor
            .tools()
            .filter((tool) => tierOf(tool.toolId) !== 'off')
            .map((tool) => ({
              toolId: tool.toolId,
              description: tool.description,
              inputSchema: tool.inputSchema,
            }))
        : [],
    async call(toolId, args, signal) {
      // Not AbortSignal.any with AbortSignal.timeout: its timeout could be collected before it
      // fired, and a call to a hung tool then waited forever (deadline-signal.ts).
      const deadline = deadlineSignal(timeoutMs, signal)
      try {
        return await supervisor.call(toolId, args, deadline.signal)
      } catch (error) {
        throw toHubError(error)
      } finally {
        deadline.clear()
      }
    },
  })
}

/**
 * skill.started / skill.failed for every start and stop of the host, the first start included:
 * skill.started only once a host synced its manifest, with its pid; skill.failed for each stop,
 * numbered as the supervisor restarts it. The skill host then reports no start of its own for it.
 */
function lifecycleHooks(context: SkillContext): Pick<StdioSupervisorOptions, 'onReady' | 'onStopped'> {
  const lifecycle = () => context.services.get<SkillLifecyclePort>(SERVICE_NAMES.skillLifecycle)
  const skillId = context.skill.id
  const report = (work: Promise<void> | undefined) =>
    work?.catch((error: Error) =>
      context.logger.warn('could not publish a lifecycle event', { message: error.message }),
    )
  return {
    onReady(info) {
      report(lifecycle()?.started(skillId, { pid: info.pid, startMs: info.startMs }))
    },
    onStopped(info) {
      report(lifecycle()?.failed(skillId, info))
    },
  }
}

/** The tool a call step runs: `mode` names it; a host with one tool needs no mode; `off` is refused. */
function toolOfStep(skill: Skill, supervisor: StdioSupervisor, mode: string | undefined): string {
  const tools = supervisor.tools()
  const tiers = hostToolTiersOf(skill)
  const named = mode ?? (tools.length === 1 ? tools[0]!.toolId : undefined)
  if (named !== undefined && tiers[named] === 'off')
    throw new HubError(
      'E_PERMISSION_REQUIRED',
      `tool ${named} of skill ${skill.id} is turned off in the manifest (config.tools)`,
      {
        details: { reason: 'not-offered', skillId: skill.id },
      },
    )
  if (mode !== undefined) {
    if (!tools.some((tool) => tool.toolId === mode))
      throw new HubError('E_BAD_REQUEST', `skill ${skill.id} has no tool ${mode}`, {
        details: { tools: tools.map((tool) => tool.toolId) },
      })
    return mode
  }
  if (tools.length === 1) return tools[0]!.toolId
  throw new HubError('E_BAD_REQUEST', `a call step to ${skill.id} must name its tool in mode`, {
    details: { tools: tools.map((tool) => tool.toolId) },
  })
}

/** Applies a tool's result to the run: `text` is answer text, `events` are published in the run. */
async function applyResult(result: unknown, context: StepContext, skillId: string): Promise<void> {
  if (result === null || typeof result !== 'object') return
  const record = result as { text?: unknown; events?: unknown }
  if (typeof record.text === 'string' && record.text !== '') {
    context.run.answer += record.text
    context.onPart({
      kind: 'chunk',
      streamId: `${skillId}:${context.run.traceId}`,
      seq: 0,
      text: record.text,
    })
  }
  if (Array.isArray(record.events)) {
    for (const event of record.events as { type?: unknown; payload?: unknown }[]) {
      if (typeof event?.type !== 'string' || event.payload === null || typeof event.payload !== 'object') {
        throw new HubError('E_VALIDATION', `skill ${skillId} returned an event without {type, payload}`)
      }
      await context.emitter.emitUntyped(event.type, event.payload as Record<string, unknown>, {
        source: skillId,
      })
    }
  }
}

/**
 * `transport: { type: stdio, command, args, cwd, env, timeoutMs }`: the skill runs as its own
 * process speaking seed 002 frames (docs/frame-protocol.md). A `call` step runs the tool its `mode`
 * names with `{...config.arguments, text}` of the run; consumed events are pushed to it; it publishes
 * as itself.
 */
export function stdioSkillModule(settings: StdioSkillSettings): SkillModule {
  return {
    name: 'stdio',
    // config.arguments: fixed arguments every call step sends besides the run's text.
    // config.tools: per-tool tiers or off for the tools offered to the model (decision 1850).
    configKeys: ['arguments', 'tools'],
    async open(context) {
      const fixed = context.config.arguments ?? {}
      if (fixed === null || typeof fixed !== 'object' || Array.isArray(fixed)) {
        throw new HubError('E_VALIDATION', `skill ${context.skill.id}: config.arguments must be a mapping`, {
          details: {
            issues: [
              {
                path: '/config/arguments',
                expected: 'a mapping',
                got: typeof fixed,
                message: 'not a mapping',
              },
            ],
          },
        })
      }
      // The hub's own LOCALHUB_HEARTBEAT_MS sets its heartbeat interval (and the host's, through the env).
      const heartbeat = Number(context.env.LOCALHUB_HEARTBEAT_MS ?? '')
      const session: FrameSessionOptions = {
        ...(Number.isInteger(heartbeat) && heartbeat >= 10 ? { heartbeatIntervalMs: heartbeat } : {}),
        ...settings.session,
      }
      checkToolTier(context.skill)
      const supervisor = openStdioSkill(context, { ...settings, session })
      await supervisor.started
      const timeoutMs = context.skill.transport?.timeoutMs ?? DEFAULT_STDIO_CALL_TIMEOUT_MS
      let withdraw: () => void = () => undefined
      try {
        withdraw = offerTools(context, supervisor, timeoutMs)
      } catch (error) {
        await supervisor.close()
        throw error
      }
      return {
        runtime: {
          status: () => supervisor.status(),
          async invoke(step) {
            const toolId = toolOfStep(context.skill, supervisor, step.step.mode)
            const deadline = deadlineSignal(step.step.timeoutMs ?? timeoutMs, step.signal)
            let result: unknown
            try {
              result = await supervisor.call(toolId, { ...fixed, text: step.run.text }, deadline.signal)
            } catch (error) {
              throw toHubError(error)
            } finally {
              deadline.clear()
            }
            await applyResult(result, step, context.skill.id)
          },
        },
        subscriptions: context.skill.consumes.map((pattern) => ({
          pattern,
          handler: (event) => supervisor.push(pattern, event as unknown as { id: string }),
        })),
        close: () => {
          withdraw()
          return supervisor.close()
        },
      }
    },
  }
}
