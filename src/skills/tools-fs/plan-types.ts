import type { CapabilityTier } from '../../ledger/index.ts'
import type { FileIdentity } from './file-identity.ts'

export type MutatingToolName = 'write_file' | 'apply_patch' | 'delete_path' | 'move_path'

export interface PlannedFile {
  /** Workspace-relative path as shown to people. */
  path: string
  realPath: string
  action: 'create' | 'modify' | 'delete' | 'move'
  /** sha256 of the current content; null when the file does not exist (or is a directory). */
  beforeHash: string | null
  afterHash: string | null
  identity: FileIdentity | null
}

export interface TreeEntry {
  path: string
  type: 'file' | 'directory' | 'symlink' | 'other'
  size: number
  hash: string | null
}

/** A pure preview of what a mutating tool would do; `execute(plan)` performs it if nothing changed. */
export interface Plan {
  tool: MutatingToolName
  tier: CapabilityTier
  args: Record<string, unknown>
  summary: string
  /** Unified diff of before/after for write_file and apply_patch; '' for delete/move. */
  diff: string
  files: PlannedFile[]
  /** For delete/move of a directory: its recursive listing (bounded for display). */
  tree: { count: number; bytes: number; listed: TreeEntry[]; truncated: boolean } | null
  /** sha256 of the current state of all targets (single file: its content hash). */
  beforeHash: string | null
  afterHash: string | null
  createdAt: string
  /** sha256 over canonical JSON of the preview, real paths and file identities. */
  fingerprint: string
}

export interface WriteOperation {
  kind: 'write'
  real: string
  display: string
  content: Buffer
  mode: number
  expected: FileIdentity | null
  missingDirs: string[]
}

export interface RemoveFileOperation {
  kind: 'remove-file'
  real: string
  display: string
  expected: FileIdentity
}

export interface TreeOperation {
  kind: 'delete-tree' | 'move'
  real: string
  display: string
  /** Destination real path (move only). */
  to: string
  expected: FileIdentity
  /** Full listing, relative to `real`, with identities, for the post-rename check. */
  listing: { path: string; identity: FileIdentity; hash: string | null }[]
}

export type Operation = WriteOperation | RemoveFileOperation | TreeOperation

/** What the planners return internally: the public plan and what execute needs to carry it out. */
export interface PreparedPlan {
  plan: Plan
  operations: Operation[]
}

export interface ExecuteContext {
  traceId?: string
  approvalId?: string
  decision?: 'approved' | 'granted'
  decidedBy?: string
}

export interface ExecuteResult {
  tool: MutatingToolName
  fingerprint: string
  files: { path: string; action: PlannedFile['action']; afterHash: string | null }[]
}
