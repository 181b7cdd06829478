import { realpathSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import {
  type ActionPlan,
  APPROVALS_FILE_NAME,
  type ApprovalService,
  createApprovalService,
  openApprovalStore,
} from '../../approvals/index.ts'
import type { Bus } from '../../bus/index.ts'
import { HubError } from '../../contracts/index.ts'
import { type Ledger, type LedgerEntry, ledgerEntryEvent, openLedger } from '../../ledger/index.ts'
import { type HubManifest, mcpServersOf, toolPolicyOf } from '../../manifest/index.ts'
import { createMcpTools, isMcpCallPlan, type McpCallPlan, type McpTools } from '../../mcp-client/index.ts'
import {
  createFsTools,
  FS_TOOL_DESCRIPTORS,
  type Plan,
  type ToolRegistry,
} from '../../skills/tools-fs/index.ts'
import { combineHubTools, type HubTools } from './hub-tools.ts'
import { createSkillTools, isSkillCallPlan, type SkillCallPlan, type SkillTools } from './skill-tools.ts'

/** The skill the file tools act as in the ledger and in events (seed 000's manifest id). */
export const FS_SKILL_ID = 'skill.action.opencode.fs_write'

export interface HubActions {
  tools: HubTools
  /** The manifest's MCP servers (decision 1720); their tools are also in `tools`. */
  mcp: McpTools
  /** Out-of-process skills' tools (decision 1832); skills offer them as they open. */
  skillTools: SkillTools
  approvals: ApprovalService
  ledger: Ledger
  /**
   * The manifest skill a file tool acts as (in its events, approval and ledger entry): the enabled
   * tools skill that lists it (move_path is fs_delete's in the default manifest), else FS_SKILL_ID.
   */
  fileToolSkill?(tool: string): string
  close(): Promise<void>
}

function expandHome(path: string): string {
  return path === '~' ? homedir() : path.startsWith('~/') ? resolve(homedir(), path.slice(2)) : path
}

/** Workspace roots that exist; a root named in the manifest but missing is left out (and said so). */
function existingRoots(manifest: HubManifest): {
  roots: { path: string; access: 'read' | 'read_write' }[]
  missing: string[]
} {
  const roots: { path: string; access: 'read' | 'read_write' }[] = []
  const missing: string[] = []
  for (const root of manifest.workspace?.roots ?? []) {
    const path = expandHome(root.path)
    try {
      roots.push({ path: realpathSync(path), access: root.access })
    } catch {
      missing.push(path)
    }
  }
  return { roots, missing }
}

/**
 * With no workspace folder the file tools cannot act at all; they still list themselves, and every
 * call says what to create. (The default manifest names ~/projects, which a new machine may lack.)
 */
function toolsWithoutWorkspace(missing: string[]): ToolRegistry {
  const refuse = async (): Promise<never> => {
    throw new HubError(
      'E_DEPENDENCY_UNAVAILABLE',
      missing.length > 0
        ? `no workspace folder exists (${missing.join(', ')}); create it or set workspace.roots in the manifest, then restart`
        : 'the manifest names no workspace roots (workspace.roots), so the file tools may touch nothing',
    )
  }
  return {
    register: () => undefined,
    descriptors: () => [...FS_TOOL_DESCRIPTORS],
    openAiTools: () =>
      FS_TOOL_DESCRIPTORS.map((tool) => ({
        type: 'function' as const,
        function: { name: tool.name, description: tool.description, parameters: tool.parameters },
      })),
    run: refuse,
    plan: refuse,
    execute: refuse,
    recordDenial: () => undefined,
  }
}

/**
 * The absolute paths a destructive plan touches, as the approval shows them: the tree listed under
 * the source (when it is a folder), then any destination. The tool's own paths are relative to
 * their workspace root, which is ambiguous with several roots, and the approvals context accepts
 * resolved paths only (decision 1340).
 */
function destructivePreviewPaths(plan: Plan): string[] {
  const source = plan.files.find((file) => file.action !== 'create')
  const inside =
    source === undefined || plan.tree === null
      ? []
      : plan.tree.listed.map((entry) =>
          entry.path === source.path
            ? source.realPath
            : join(source.realPath, entry.path.slice(source.path.length + 1)),
        )
  const files = plan.files.map((file) => file.realPath)
  return [...new Set([...inside, ...files])]
}

/**
 * An MCP call's approval: the call and its arguments as the preview; a destructive one lists its
 * pseudo-path `/mcp/<skill>/<tool>` (destructive previews are paths), its arguments are in the
 * tool.request event and in the two-step dry run's plan.
 */
function mcpActionPlan(plan: McpCallPlan | SkillCallPlan): ActionPlan {
  return {
    tool: plan.tool,
    tier: plan.tier,
    targets: [plan.target],
    preview:
      plan.tier === 'destructive_two_step'
        ? { kind: 'paths', paths: [plan.target] }
        : { kind: 'diff', diff: plan.preview },
    fingerprint: plan.fingerprint,
    toolPlan: plan,
  }
}

/** What the approval service stores and shows: the tool's plan behind the generic ActionPlan shape. */
function toActionPlan(plan: Plan | McpCallPlan | SkillCallPlan): ActionPlan {
  // A stdio skill's call is previewed and approved exactly as an MCP server's (decision 1832).
  if (isMcpCallPlan(plan) || isSkillCallPlan(plan)) return mcpActionPlan(plan)
  const targets = [...new Set(plan.files.map((file) => file.realPath))]
  return {
    tool: plan.tool,
    tier: plan.tier as ActionPlan['tier'],
    targets,
    preview:
      plan.tier === 'destructive_two_step'
        ? { kind: 'paths', paths: destructivePreviewPaths(plan) }
        : { kind: 'diff', diff: plan.diff },
    fingerprint: plan.fingerprint,
    toolPlan: plan,
  }
}

function toolPlanOf(plan: ActionPlan): Plan | McpCallPlan | SkillCallPlan {
  const inner = plan.toolPlan as Plan | McpCallPlan | SkillCallPlan | undefined
  if (inner === undefined) throw new HubError('E_VALIDATION', 'the approved plan carries no file-tool plan')
  return inner
}

/**
 * File tools, approvals and the audit ledger, wired: mutating tools are planned, shown for consent,
 * executed only after approval (or under a standing grant), and every step is ledgered and
 * published as ledger.entry.
 */
export async function openHubActions(options: {
  dataDir: string
  manifest: HubManifest
  bus: Bus
  /** The hub's version, which it names to MCP servers. */
  version?: string
}): Promise<HubActions & { missingRoots: string[] }> {
  const { dataDir, manifest, bus } = options
  const version = options.version ?? '0.0.0'
  const { roots, missing } = existingRoots(manifest)
  const ledger = openLedger({
    dataDir,
    publish: (entry: LedgerEntry) => bus.publish(ledgerEntryEvent(entry, 'kernel.ledger')),
  })
  // access: read roots refuse changes; only the tools the manifest's tools skills list are served.
  const policy = toolPolicyOf(manifest)
  const files =
    roots.length > 0
      ? createFsTools({ roots, network: false, offeredTools: policy.offered })
      : toolsWithoutWorkspace(missing)
  // External MCP servers: connected now (a network server only when enabled), refused otherwise.
  const mcp = createMcpTools(mcpServersOf(manifest), { clientName: 'localhub', clientVersion: version })
  await mcp.start()
  const skillTools = createSkillTools()
  skillTools.reservePrefixes(mcpServersOf(manifest).map((server) => server.prefix))
  const tools = combineHubTools(files, mcp, skillTools)
  const store = openApprovalStore({ path: join(dataDir, APPROVALS_FILE_NAME) })
  const approvals = createApprovalService({
    store,
    ledger,
    publish: (draft) => bus.publish(draft),
    execute: async (plan, context) => {
      const toolPlan = toolPlanOf(plan)
      if (isMcpCallPlan(toolPlan)) return mcp.execute(toolPlan)
      if (isSkillCallPlan(toolPlan)) return skillTools.execute(toolPlan)
      const result = await files.execute(toolPlan, { approvalId: context.approvalId })
      const afterHashes = result.files
        .map((file) => file.afterHash)
        .filter((hash): hash is string => hash !== null)
      return {
        ...result,
        ...(toolPlan.beforeHash === null ? {} : { beforeHash: toolPlan.beforeHash }),
        ...(toolPlan.afterHash !== null
          ? { afterHash: toolPlan.afterHash }
          : afterHashes[0] === undefined
            ? {}
            : { afterHash: afterHashes[0] }),
      }
    },
    fingerprintOf: async (plan) => {
      const toolPlan = toolPlanOf(plan)
      return (await tools.plan(toolPlan.tool, toolPlan.args)).fingerprint
    },
    ...(roots[0] === undefined ? {} : { rootDir: roots[0].path }),
    workspaceRoots: roots.map((root) => root.path),
  })
  await approvals.runQueued()
  return {
    tools,
    mcp,
    skillTools,
    approvals,
    ledger,
    fileToolSkill: (tool) => policy.skillOf[tool] ?? FS_SKILL_ID,
    missingRoots: missing,
    async close() {
      // MCP servers first: a stdio server is a child process, and calls in flight end with them.
      await mcp.close()
      approvals.close()
      store.close()
      ledger.close()
    },
  }
}

export { toActionPlan }
