import type { Bus } from '../../bus/index.ts'
import { uuidV7 } from '../../bus/index.ts'
import { assertNoLoneSurrogate, HubError, toHubError } from '../../contracts/index.ts'
import type { MetricsSink, RunEmitter, RunState, ToolPort } from '../../skill-api/index.ts'
import { FS_SKILL_ID, type HubActions, toActionPlan } from './actions.ts'

export interface ToolRequest {
  tool: string
  params: Record<string, unknown>
  traceId?: string
  sessionId?: string
  /** Who asks (ledger actorSkill); the file tools' skill unless a caller names itself. */
  actor?: string
}

/** How a request's events are published: by default straight to the bus, in a turn through its emitter. */
export type ToolEventPublisher = (
  type: string,
  payload: Record<string, unknown>,
  options: { id?: string; severity?: 'info' | 'warn' },
) => Promise<{ id: string }>

export interface ToolRequestOptions {
  publish?: ToolEventPublisher
  /** Wait for the person's decision on a pending approval (until this signal aborts) instead of returning at once. */
  awaitDecision?: AbortSignal
}

export interface ToolServiceOptions {
  /** Where tool_ms is observed (the hub's metrics); nothing is recorded without it. */
  metrics?: MetricsSink
  /** Milliseconds for tool_ms; Date.now unless a test passes its own clock. */
  now?: () => number
}

export type ToolAnswer =
  | { status: 'done'; tool: string; data: unknown }
  | { status: 'refused'; tool: string; approvalId: string; decision: string; error?: unknown }
  | { status: 'pending'; tool: string; approvalId: string; expiresAt: string; confirmationsRequired: 1 | 2 }
  | { status: 'granted'; tool: string; approvalId: string; grantId: string; data: unknown }

/**
 * Runs tool requests: read tools at once; mutating tools become approvals (or run under a standing
 * grant). tool.request and tool.result frame each request in its trace; a pending request's
 * tool.result follows when the person decides.
 *
 * tool_ms is observed for every request, labelled with the acting skill and the outcome (done,
 * granted, pending, refused, error). It is the hub's own time: planning, the approval request and
 * any execution done inside the request; the time a person takes to decide is not counted.
 */
export function createToolService(bus: Bus, actions: HubActions, options: ToolServiceOptions = {}) {
  const fileToolSkill = (tool: string) => actions.fileToolSkill?.(tool) ?? FS_SKILL_ID
  const watchers = new AbortController()
  const now = options.now ?? Date.now

  function busPublisher(traceId: string, sessionId: string | undefined, actor: string): ToolEventPublisher {
    return async (type, payload, options) => {
      const id = options.id ?? uuidV7()
      await bus.publishUntyped({
        id,
        type,
        traceId,
        ...(sessionId === undefined ? {} : { sessionId }),
        source: actor,
        severity: options.severity ?? 'info',
        payload,
      })
      return { id }
    }
  }

  function resultPayload(
    tool: string,
    outcome: { ok: true; data: unknown } | { ok: false; error: { code: string; message: string } },
  ) {
    return outcome.ok
      ? { ok: true, tool, data: { result: outcome.data as Record<string, unknown> } }
      : { ok: false, tool, error: outcome.error }
  }

  async function request(input: ToolRequest, requestOptions: ToolRequestOptions = {}): Promise<ToolAnswer> {
    const startedAt = now()
    let waitedMs = 0
    let outcome = 'error'
    try {
      const answer = await handle(input, requestOptions, (milliseconds) => {
        waitedMs += milliseconds
      })
      outcome = answer.status
      return answer
    } finally {
      options.metrics?.observe('tool_ms', Math.max(0, now() - startedAt - waitedMs), {
        skill:
          input.actor ??
          actions.tools.descriptors().find((candidate) => candidate.name === input.tool)?.source ??
          fileToolSkill(input.tool),
        outcome,
      })
    }
  }

  /** One request; onWaited is told how long it waited for a person (left out of tool_ms). */
  async function handle(
    input: ToolRequest,
    options: ToolRequestOptions,
    onWaited: (milliseconds: number) => void,
  ): Promise<ToolAnswer> {
    // Checked before anything is published: the event log cannot hold such strings (decision 1342).
    assertNoLoneSurrogate(input.params, 'params', '/params')
    const descriptor = actions.tools.descriptors().find((candidate) => candidate.name === input.tool)
    if (descriptor === undefined) {
      const refusal = actions.tools.refusal?.(input.tool)
      if (refusal !== undefined) throw refusal
      const names = actions.tools.descriptors().map((candidate) => candidate.name)
      throw new HubError('E_BAD_REQUEST', `unknown tool ${input.tool}; tools: ${names.join(', ')}`)
    }
    const traceId = input.traceId ?? uuidV7()
    // An MCP server's tool acts as its skill (ledger, events); the file tools as theirs.
    const actor = input.actor ?? descriptor.source ?? fileToolSkill(input.tool)
    const publish = options.publish ?? busPublisher(traceId, input.sessionId, actor)
    const { id: requestId } = await publish(
      'tool.request',
      {
        tool: descriptor.source ?? 'fs',
        action: input.tool,
        params: input.params,
        capabilityTier: descriptor.tier,
        requiresConfirm: descriptor.tier !== 'read_only',
      },
      {},
    )
    const finish = (
      outcome: { ok: true; data: unknown } | { ok: false; error: { code: string; message: string } },
    ) =>
      publish('tool.result', resultPayload(input.tool, outcome), { severity: outcome.ok ? 'info' : 'warn' })
    const refusal = (view: { status: string; execution: { state: string; error?: unknown } }) => ({
      ok: false as const,
      error: {
        code: view.status === 'approved' ? 'E_IO' : 'E_PERMISSION_REQUIRED',
        message: `${input.tool} was ${view.status}${view.execution.error ? `: ${JSON.stringify(view.execution.error)}` : ''}`,
      },
    })
    try {
      if (descriptor.tier === 'read_only') {
        const data = await actions.tools.run(input.tool, input.params, options.awaitDecision)
        await finish({ ok: true, data })
        return { status: 'done', tool: input.tool, data }
      }
      const plan = await actions.tools.plan(input.tool, input.params)
      const outcome = await actions.approvals.request(toActionPlan(plan), {
        traceId,
        ...(input.sessionId === undefined ? {} : { sessionId: input.sessionId }),
        actorSkill: actor,
        toolRequestId: requestId,
      })
      if (outcome.status === 'granted') {
        const data = outcome.approval.execution
        await finish({ ok: true, data })
        return {
          status: 'granted',
          tool: input.tool,
          approvalId: outcome.approvalId,
          grantId: outcome.grantId,
          data,
        }
      }
      if (options.awaitDecision !== undefined) {
        const waitStartedAt = now()
        const view = await actions.approvals
          .waitForDecision(outcome.approvalId, options.awaitDecision)
          .finally(() => onWaited(now() - waitStartedAt))
        const succeeded = view.status === 'approved' && view.execution.state === 'succeeded'
        await finish(succeeded ? { ok: true, data: view.execution } : refusal(view))
        return succeeded
          ? { status: 'done', tool: input.tool, data: view.execution }
          : {
              status: 'refused',
              tool: input.tool,
              approvalId: outcome.approvalId,
              decision: view.status,
              ...(view.execution.error === undefined ? {} : { error: view.execution.error }),
            }
      }
      // The answer comes when the person decides; the tool.result closes the request then.
      actions.approvals
        .waitForDecision(outcome.approvalId, watchers.signal)
        .then((view) =>
          finish(
            view.status === 'approved' && view.execution.state === 'succeeded'
              ? { ok: true, data: view.execution }
              : refusal(view),
          ),
        )
        .catch(() => undefined)
      return {
        status: 'pending',
        tool: input.tool,
        approvalId: outcome.approvalId,
        expiresAt: outcome.expiresAt,
        confirmationsRequired: outcome.confirmationsRequired,
      }
    } catch (error) {
      const failure = toHubError(error)
      await finish({ ok: false, error: { code: failure.code, message: failure.message } }).catch(
        () => undefined,
      )
      throw failure
    }
  }

  return {
    request,
    definitions: () => actions.tools.openAiTools(),
    close() {
      watchers.abort(new HubError('E_UNKNOWN', 'the hub is stopping'))
    },
  }
}

export type ToolService = ReturnType<typeof createToolService>

/** The tool service as the LLM step uses it: calls run in the turn's causal chain and wait for consent. */
export function toolPortOf(
  service: ToolService,
  kernelEmitterOf: (run: RunState) => RunEmitter | undefined = () => undefined,
): ToolPort {
  return {
    definitions: () => service.definitions(),
    async call(name, args, context) {
      // Tool events are the kernel's (consent is the hub's), in the run's causal chain.
      const emitter = kernelEmitterOf(context.run) ?? context.emitter
      try {
        const answer = await service.request(
          { tool: name, params: args, traceId: context.run.traceId, sessionId: context.run.sessionId },
          {
            publish: async (type, payload, options) =>
              emitter.emitUntyped(
                type,
                payload,
                options.severity === undefined ? {} : { severity: options.severity },
              ),
            awaitDecision: context.signal,
          },
        )
        return answer as { status: string }
      } catch (error) {
        if (context.signal.aborted) throw error
        return { status: 'error', error: toHubError(error).toJSON() }
      }
    },
  }
}
