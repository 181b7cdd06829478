import type { ValidateFunction } from 'ajv'
import { createAjv, HubError, type ValidationIssue } from '../../contracts/index.ts'
import type { LedgerDecision, LedgerEntryDraft } from '../../ledger/index.ts'
import { stale } from './commit-file-changes.ts'
import type { AuditSink } from './fs-tools-options.ts'
import type { ExecuteContext, ExecuteResult, Plan, PreparedPlan } from './plan-types.ts'
import type { ToolDescriptor } from './tool-schemas.ts'

export interface ReadTool {
  kind: 'read'
  descriptor: ToolDescriptor
  run(args: Record<string, unknown>): unknown
}

export interface MutatingTool {
  kind: 'mutating'
  descriptor: ToolDescriptor
  plan(args: Record<string, unknown>): PreparedPlan
  apply(prepared: PreparedPlan): void
}

export type RegisteredTool = ReadTool | MutatingTool

export interface ToolRegistry {
  register(tool: RegisteredTool): void
  /** Tools the model may be offered (network tools only when the network is enabled). */
  descriptors(): ToolDescriptor[]
  /** The same as OpenAI-style function tool definitions. */
  openAiTools(): {
    type: 'function'
    function: { name: string; description: string; parameters: Record<string, unknown> }
  }[]
  run(name: string, args: unknown): Promise<unknown>
  plan(name: string, args: unknown): Promise<Plan>
  execute(plan: Plan, context?: ExecuteContext): Promise<ExecuteResult>
  /** Ledgers a plan that was refused by the person or expired without an answer. */
  recordDenial(
    plan: Plan,
    context: Omit<ExecuteContext, 'decision'> & { decision: 'denied' | 'expired' | 'cancelled' },
  ): void
}

function issuesOf(validate: ValidateFunction, args: unknown): ValidationIssue[] {
  return (validate.errors ?? []).map((error) => {
    const at = error.instancePath
    const value = at
      .split('/')
      .slice(1)
      .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], args)
    const extra =
      error.keyword === 'additionalProperties'
        ? ` '${(error.params as { additionalProperty: string }).additionalProperty}'`
        : ''
    return {
      path: at,
      expected: `${error.keyword} ${JSON.stringify(error.params)}`,
      got: JSON.stringify(value)?.slice(0, 60) ?? 'undefined',
      message: `${at || 'arguments'} ${error.message}${extra}`,
    }
  })
}

export function createToolRegistry(options: {
  network: boolean
  audit?: AuditSink
  actorSkill: string
  now: () => number
  /** Names the registry serves (the manifest's tool policy); absent: every registered tool. */
  offered?: ReadonlySet<string>
}): ToolRegistry {
  const ajv = createAjv()
  const tools = new Map<string, { tool: RegisteredTool; validate: ValidateFunction }>()

  const lookup = (name: unknown): RegisteredTool & { validate: ValidateFunction } => {
    const found = typeof name === 'string' ? tools.get(name) : undefined
    if (found === undefined)
      throw new HubError('E_BAD_REQUEST', `no tool named ${JSON.stringify(name)?.slice(0, 80)}`)
    if (options.offered !== undefined && !options.offered.has(found.tool.descriptor.name)) {
      throw new HubError(
        'E_PERMISSION_REQUIRED',
        `${String(name)} is not offered: no enabled tools skill of the manifest lists it in its actions`,
        { details: { reason: 'not-offered' } },
      )
    }
    if (found.tool.descriptor.tier === 'network_off_by_default' && !options.network) {
      throw new HubError(
        'E_PERMISSION_REQUIRED',
        `${String(name)} needs the network, which the manifest has not enabled`,
        { details: { reason: 'network-off' } },
      )
    }
    return Object.assign(Object.create(null), found.tool, { validate: found.validate })
  }

  const checkArgs = (
    tool: { descriptor: ToolDescriptor; validate: ValidateFunction },
    args: unknown,
  ): Record<string, unknown> => {
    if (!tool.validate(args)) {
      const issues = issuesOf(tool.validate, args)
      throw new HubError(
        'E_VALIDATION',
        `${tool.descriptor.name}: ${issues[0]?.message ?? 'invalid arguments'}`,
        { details: { issues } },
      )
    }
    return args as Record<string, unknown>
  }

  const audit = (
    plan: Plan,
    context: Omit<ExecuteContext, 'decision'> & { decision?: LedgerDecision },
    extra: Partial<LedgerEntryDraft>,
  ): void => {
    if (options.audit === undefined) return
    const draft: LedgerEntryDraft = {
      traceId: context.traceId ?? 'untraced',
      actorSkill: options.actorSkill,
      action: plan.tool,
      targets: plan.files.map((file) => file.realPath).slice(0, 1000),
      tier: plan.tier,
      ...(plan.beforeHash === null ? {} : { beforeHash: plan.beforeHash }),
      ...(context.approvalId === undefined ? {} : { approvalId: context.approvalId }),
      ...(context.decision === undefined ? {} : { decision: context.decision }),
      ...(context.decidedBy === undefined ? {} : { decidedBy: context.decidedBy }),
      ...extra,
    }
    options.audit.append(draft)
  }

  const checkPlanShape = (plan: unknown): Plan => {
    const candidate = plan as Plan
    if (
      typeof candidate !== 'object' ||
      candidate === null ||
      typeof candidate.tool !== 'string' ||
      typeof candidate.fingerprint !== 'string' ||
      typeof candidate.args !== 'object' ||
      candidate.args === null ||
      !Array.isArray(candidate.files)
    ) {
      throw new HubError('E_VALIDATION', 'execute() takes a plan returned by plan()')
    }
    return candidate
  }

  return {
    register(tool) {
      if (tools.has(tool.descriptor.name))
        throw new HubError('E_BAD_REQUEST', `tool ${tool.descriptor.name} is already registered`)
      tools.set(tool.descriptor.name, { tool, validate: ajv.compile(tool.descriptor.parameters) })
    },
    descriptors: () =>
      [...tools.values()]
        .map((entry) => entry.tool.descriptor)
        .filter((descriptor) => options.network || descriptor.tier !== 'network_off_by_default')
        .filter((descriptor) => options.offered === undefined || options.offered.has(descriptor.name)),
    openAiTools() {
      return this.descriptors().map((descriptor) => ({
        type: 'function' as const,
        function: {
          name: descriptor.name,
          description: descriptor.description,
          parameters: descriptor.parameters,
        },
      }))
    },
    async run(name, args) {
      const tool = lookup(name)
      if (tool.kind !== 'read')
        throw new HubError('E_BAD_REQUEST', `${String(name)} changes files: use plan() and execute()`)
      return tool.run(checkArgs(tool, args))
    },
    async plan(name, args) {
      const tool = lookup(name)
      if (tool.kind !== 'mutating')
        throw new HubError('E_BAD_REQUEST', `${String(name)} only reads: use run()`)
      return tool.plan(checkArgs(tool, args)).plan
    },
    async execute(rawPlan, context = {}) {
      const plan = checkPlanShape(rawPlan)
      const tool = lookup(plan.tool)
      if (tool.kind !== 'mutating') throw new HubError('E_BAD_REQUEST', `${plan.tool} is not a mutating tool`)
      // No ledger entry, no action: an audit failure here stops the execution.
      audit(plan, context, { outcome: 'attempted' })
      try {
        // Planning again from the same arguments must reproduce the approved preview exactly.
        let fresh: PreparedPlan
        try {
          fresh = tool.plan(checkArgs(tool, plan.args))
        } catch (error) {
          // What was approved can no longer even be planned: the world moved on since the preview.
          throw Object.assign(stale((error as Error).message), { cause: error })
        }
        if (fresh.plan.fingerprint !== plan.fingerprint)
          throw stale('the files changed since the preview (or the plan was altered)')
        tool.apply(fresh)
        const result: ExecuteResult = {
          tool: plan.tool,
          fingerprint: plan.fingerprint,
          files: fresh.plan.files.map((file) => ({
            path: file.path,
            action: file.action,
            afterHash: file.afterHash,
          })),
        }
        audit(plan, context, {
          outcome: 'succeeded',
          ...(fresh.plan.afterHash === null ? {} : { afterHash: fresh.plan.afterHash }),
        })
        return result
      } catch (error) {
        const code = error instanceof HubError ? error.code : 'E_IO'
        audit(plan, context, { outcome: 'failed', errorCode: code })
        throw error
      }
    },
    recordDenial(rawPlan, context) {
      const plan = checkPlanShape(rawPlan)
      audit(plan, context, { outcome: 'denied', errorCode: 'E_PERMISSION_REQUIRED' })
    },
  }
}
