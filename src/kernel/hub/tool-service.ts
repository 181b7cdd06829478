import type { Bus } from '../../bus/index.ts'
import { uuidV7 } from '../../bus/index.ts'
import { HubError, toHubError } from '../../contracts/index.ts'
import { FS_SKILL_ID, type HubActions, toActionPlan } from './actions.ts'

export interface ToolRequest {
  tool: string
  params: Record<string, unknown>
  traceId?: string
  sessionId?: string
  /** Who asks (ledger actorSkill); the file tools' skill unless a caller names itself. */
  actor?: string
}

export type ToolAnswer =
  | { status: 'done'; tool: string; data: unknown }
  | { status: 'pending'; tool: string; approvalId: string; expiresAt: string; confirmationsRequired: 1 | 2 }
  | { status: 'granted'; tool: string; approvalId: string; grantId: string; data: unknown }

/**
 * Runs tool requests: read tools at once; mutating tools become approvals (or run under a standing
 * grant). tool.request and tool.result frame each request in its trace; a pending request's
 * tool.result follows when the person decides.
 */
export function createToolService(bus: Bus, actions: HubActions) {
  const watchers = new AbortController()

  async function publishResult(
    traceId: string,
    causationId: string,
    sessionId: string | undefined,
    tool: string,
    outcome: { ok: true; data: unknown } | { ok: false; error: { code: string; message: string } },
  ) {
    await bus.publish({
      type: 'tool.result',
      traceId,
      causationId,
      ...(sessionId === undefined ? {} : { sessionId }),
      source: FS_SKILL_ID,
      severity: outcome.ok ? 'info' : 'warn',
      payload: outcome.ok
        ? { ok: true, tool, data: { result: outcome.data as Record<string, unknown> } }
        : { ok: false, tool, error: outcome.error },
    })
  }

  async function request(input: ToolRequest): Promise<ToolAnswer> {
    const descriptor = actions.tools.descriptors().find((candidate) => candidate.name === input.tool)
    if (descriptor === undefined) {
      const names = actions.tools.descriptors().map((candidate) => candidate.name)
      throw new HubError('E_BAD_REQUEST', `unknown tool ${input.tool}; tools: ${names.join(', ')}`)
    }
    const traceId = input.traceId ?? uuidV7()
    const requestId = uuidV7()
    await bus.publish({
      id: requestId,
      type: 'tool.request',
      traceId,
      ...(input.sessionId === undefined ? {} : { sessionId: input.sessionId }),
      source: input.actor ?? FS_SKILL_ID,
      payload: {
        tool: 'fs',
        action: input.tool,
        params: input.params,
        capabilityTier: descriptor.tier,
        requiresConfirm: descriptor.tier !== 'read_only',
      },
    })
    try {
      if (descriptor.tier === 'read_only') {
        const data = await actions.tools.run(input.tool, input.params)
        await publishResult(traceId, requestId, input.sessionId, input.tool, { ok: true, data })
        return { status: 'done', tool: input.tool, data }
      }
      const plan = await actions.tools.plan(input.tool, input.params)
      const outcome = await actions.approvals.request(toActionPlan(plan), {
        traceId,
        ...(input.sessionId === undefined ? {} : { sessionId: input.sessionId }),
        actorSkill: input.actor ?? FS_SKILL_ID,
        toolRequestId: requestId,
      })
      if (outcome.status === 'granted') {
        const data = outcome.approval.execution
        await publishResult(traceId, requestId, input.sessionId, input.tool, { ok: true, data })
        return {
          status: 'granted',
          tool: input.tool,
          approvalId: outcome.approvalId,
          grantId: outcome.grantId,
          data,
        }
      }
      // The answer comes when the person decides; the tool.result closes the request then.
      actions.approvals
        .waitForDecision(outcome.approvalId, watchers.signal)
        .then((view) =>
          publishResult(
            traceId,
            requestId,
            input.sessionId,
            input.tool,
            view.status === 'approved' && view.execution.state === 'succeeded'
              ? { ok: true, data: view.execution }
              : {
                  ok: false,
                  error: {
                    code: view.status === 'approved' ? 'E_IO' : 'E_PERMISSION_REQUIRED',
                    message: `${input.tool} was ${view.status}${view.execution.error ? `: ${JSON.stringify(view.execution.error)}` : ''}`,
                  },
                },
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
      await publishResult(traceId, requestId, input.sessionId, input.tool, {
        ok: false,
        error: { code: failure.code, message: failure.message },
      })
      throw failure
    }
  }

  return {
    request,
    close() {
      watchers.abort(new HubError('E_UNKNOWN', 'the hub is stopping'))
    },
  }
}

export type ToolService = ReturnType<typeof createToolService>
