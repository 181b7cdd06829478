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
import { type HubManifest, toolPolicyOf } from '../../manifest/index.ts'
import {
  createFsTools,
  FS_TOOL_DESCRIPTORS,
  type Plan,
  type ToolRegistry,
} from '../../skills/tools-fs/index.ts'

/** The skill the file tools act as in the ledger and in events (seed 000's manifest id). */
export const FS_SKILL_ID = 'skill.action.opencode.fs_write'

export interface HubActions {
  tools: ToolRegistry
  approvals: ApprovalService
  ledger: Ledger
  close(): void
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

/** What the approval service stores and shows: the tool's plan behind the generic ActionPlan shape. */
function toActionPlan(plan: Plan): ActionPlan {
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

function toolPlanOf(plan: ActionPlan): Plan {
  const inner = plan.toolPlan as Plan | undefined
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
}): Promise<HubActions & { missingRoots: string[] }> {
  const { dataDir, manifest, bus } = options
  const { roots, missing } = existingRoots(manifest)
  const ledger = openLedger({
    dataDir,
    publish: (entry: LedgerEntry) => bus.publish(ledgerEntryEvent(entry, 'kernel.ledger')),
  })
  // access: read roots refuse changes; only the tools the manifest's tools skills list are served.
  const tools =
    roots.length > 0
      ? createFsTools({ roots, network: false, offeredTools: toolPolicyOf(manifest).offered })
      : toolsWithoutWorkspace(missing)
  const store = openApprovalStore({ path: join(dataDir, APPROVALS_FILE_NAME) })
  const approvals = createApprovalService({
    store,
    ledger,
    publish: (draft) => bus.publish(draft),
    execute: async (plan, context) => {
      const toolPlan = toolPlanOf(plan)
      const result = await tools.execute(toolPlan, { approvalId: context.approvalId })
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
    approvals,
    ledger,
    missingRoots: missing,
    close() {
      approvals.close()
      store.close()
      ledger.close()
    },
  }
}

export { toActionPlan }
