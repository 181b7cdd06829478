// Approvals and grants in SQLite (<data>/approvals.sqlite), so a pending approval survives a restart.
// Every state change is a compare-and-set UPDATE: two deciders (or two processes) cannot both win.
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { HubError } from '../contracts/index.ts'
import type { ApprovalStatus, ConsentTier, ExecutionState } from './approval-types.ts'

export const APPROVALS_FILE_NAME = 'approvals.sqlite'
export const DEFAULT_STORE_BUSY_TIMEOUT_MS = 5_000
const SCHEMA_VERSION = 1

export interface ApprovalRow {
  id: string
  status: ApprovalStatus
  tool: string
  tier: ConsentTier
  targets: string
  preview: string
  plan: string
  fingerprint: string
  trace_id: string
  session_id: string | null
  actor_skill: string
  tool_request_id: string | null
  confirmations_required: number
  created_at: number
  expires_at: number
  decided_at: number | null
  decided_by: string | null
  reason: string | null
  grant_id: string | null
  token_hash: string | null
  token_expires_at: number | null
  token_used_at: number | null
  token_failures: number
  execution_state: ExecutionState
  execution_result: string | null
  execution_error: string | null
}

export interface GrantRow {
  id: string
  tool: string | null
  tier: 'write_local_confirm'
  path_prefix: string
  session_id: string | null
  created_at: number
  created_by: string
  expires_at: number
  max_uses: number | null
  uses: number
  revoked_at: number | null
  revoked_by: string | null
  reason: string | null
  approval_id: string | null
}

type Patch<T> = Partial<Omit<T, 'id'>>
interface ApprovalGuard {
  status?: readonly ApprovalStatus[]
  executionState?: readonly ExecutionState[]
  tokenHash?: string
}

const APPROVAL_COLUMNS = [
  'status',
  'tool',
  'tier',
  'targets',
  'preview',
  'plan',
  'fingerprint',
  'trace_id',
  'session_id',
  'actor_skill',
  'tool_request_id',
  'confirmations_required',
  'created_at',
  'expires_at',
  'decided_at',
  'decided_by',
  'reason',
  'grant_id',
  'token_hash',
  'token_expires_at',
  'token_used_at',
  'token_failures',
  'execution_state',
  'execution_result',
  'execution_error',
] as const
const GRANT_COLUMNS = [
  'tool',
  'tier',
  'path_prefix',
  'session_id',
  'created_at',
  'created_by',
  'expires_at',
  'max_uses',
  'uses',
  'revoked_at',
  'revoked_by',
  'reason',
  'approval_id',
] as const

const SCHEMA = `
CREATE TABLE IF NOT EXISTS approvals (
  id TEXT PRIMARY KEY, status TEXT NOT NULL, tool TEXT NOT NULL, tier TEXT NOT NULL, targets TEXT NOT NULL,
  preview TEXT NOT NULL, plan TEXT NOT NULL, fingerprint TEXT NOT NULL, trace_id TEXT NOT NULL,
  session_id TEXT, actor_skill TEXT NOT NULL, tool_request_id TEXT, confirmations_required INTEGER NOT NULL,
  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, decided_at INTEGER, decided_by TEXT, reason TEXT,
  grant_id TEXT, token_hash TEXT, token_expires_at INTEGER, token_used_at INTEGER,
  token_failures INTEGER NOT NULL DEFAULT 0, execution_state TEXT NOT NULL DEFAULT 'none',
  execution_result TEXT, execution_error TEXT
) STRICT;
CREATE INDEX IF NOT EXISTS approvals_open ON approvals (status, expires_at);
CREATE TABLE IF NOT EXISTS grants (
  id TEXT PRIMARY KEY, tool TEXT, tier TEXT NOT NULL, path_prefix TEXT NOT NULL, session_id TEXT,
  created_at INTEGER NOT NULL, created_by TEXT NOT NULL, expires_at INTEGER NOT NULL, max_uses INTEGER,
  uses INTEGER NOT NULL DEFAULT 0, revoked_at INTEGER, revoked_by TEXT, reason TEXT, approval_id TEXT
) STRICT;
`

export interface ApprovalStore {
  readonly path: string
  insertApproval(row: ApprovalRow): void
  getApproval(id: string): ApprovalRow | undefined
  listApprovals(query: { statuses?: readonly ApprovalStatus[]; limit: number }): ApprovalRow[]
  /** Applies patch only while the guard holds; true when this caller won. */
  updateApproval(id: string, patch: Patch<ApprovalRow>, guard?: ApprovalGuard): boolean
  openApprovalsDueBy(now: number): ApprovalRow[]
  nextOpenExpiry(): number | undefined
  insertGrant(row: GrantRow): void
  getGrant(id: string): GrantRow | undefined
  listGrants(query: { activeAt?: number; sessionId?: string }): GrantRow[]
  /** Counts one use if the grant is still active at `now`; false when revoked, expired or used up. */
  consumeGrantUse(id: string, now: number): boolean
  /** Marks the grant revoked unless it already was; true when this caller revoked it. */
  revokeGrant(id: string, patch: { revoked_at: number; revoked_by: string; reason: string | null }): boolean
  transaction<T>(work: () => T): T
  close(): void
}

export function openApprovalStore(options: { path: string; busyTimeoutMs?: number }): ApprovalStore {
  if (typeof options?.path !== 'string' || options.path.length === 0) {
    throw new HubError('E_BAD_REQUEST', 'the approval store needs a file path (or :memory:)')
  }
  const path = options.path
  let db: Database.Database
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
    db = new Database(path)
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? DEFAULT_STORE_BUSY_TIMEOUT_MS}`)
    const version = db.pragma('user_version', { simple: true }) as number
    if (version > SCHEMA_VERSION) {
      db.close()
      throw new HubError('E_IO', `${path} was written by a newer localhub (schema ${version})`)
    }
    db.exec(SCHEMA)
    db.pragma(`user_version = ${SCHEMA_VERSION}`)
  } catch (error) {
    if (error instanceof HubError) throw error
    throw new HubError('E_IO', `cannot open the approval store ${path}: ${(error as Error).message}`, {
      cause: error,
    })
  }

  const insertApprovalStatement = db.prepare(
    `INSERT INTO approvals (id, ${APPROVAL_COLUMNS.join(', ')}) VALUES (@id, ${APPROVAL_COLUMNS.map((c) => `@${c}`).join(', ')})`,
  )
  const insertGrantStatement = db.prepare(
    `INSERT INTO grants (id, ${GRANT_COLUMNS.join(', ')}) VALUES (@id, ${GRANT_COLUMNS.map((c) => `@${c}`).join(', ')})`,
  )
  const getApprovalStatement = db.prepare('SELECT * FROM approvals WHERE id = ?')
  const getGrantStatement = db.prepare('SELECT * FROM grants WHERE id = ?')
  const dueStatement = db.prepare(
    `SELECT * FROM approvals WHERE status IN ('pending', 'awaiting_confirmation') AND expires_at <= ? ORDER BY expires_at`,
  )
  const nextExpiryStatement = db.prepare(
    `SELECT min(expires_at) AS next FROM approvals WHERE status IN ('pending', 'awaiting_confirmation')`,
  )
  const consumeStatement = db.prepare(
    `UPDATE grants SET uses = uses + 1 WHERE id = ? AND revoked_at IS NULL AND expires_at > ?
       AND (max_uses IS NULL OR uses < max_uses)`,
  )
  const revokeGrantStatement = db.prepare(
    'UPDATE grants SET revoked_at = @revoked_at, revoked_by = @revoked_by, reason = coalesce(@reason, reason) WHERE id = @id AND revoked_at IS NULL',
  )
  const allowedColumns = new Set<string>(APPROVAL_COLUMNS)

  return {
    path,
    insertApproval: (row) => void insertApprovalStatement.run(row),
    getApproval: (id) => getApprovalStatement.get(id) as ApprovalRow | undefined,
    listApprovals({ statuses, limit }) {
      const where = statuses === undefined ? '' : `WHERE status IN (${statuses.map(() => '?').join(', ')})`
      return db
        .prepare(`SELECT * FROM approvals ${where} ORDER BY created_at DESC, id LIMIT ?`)
        .all(...(statuses ?? []), limit) as ApprovalRow[]
    },
    updateApproval(id, patch, guard = {}) {
      const columns = Object.keys(patch).filter((column) => allowedColumns.has(column))
      if (columns.length === 0) return false
      const conditions = ['id = @id']
      const parameters: Record<string, unknown> = { id }
      for (const column of columns) parameters[`set_${column}`] = (patch as Record<string, unknown>)[column]
      for (const [index, status] of (guard.status ?? []).entries()) parameters[`status_${index}`] = status
      if (guard.status !== undefined) {
        conditions.push(`status IN (${guard.status.map((_, index) => `@status_${index}`).join(', ')})`)
      }
      for (const [index, state] of (guard.executionState ?? []).entries())
        parameters[`state_${index}`] = state
      if (guard.executionState !== undefined) {
        conditions.push(
          `execution_state IN (${guard.executionState.map((_, i) => `@state_${i}`).join(', ')})`,
        )
      }
      if (guard.tokenHash !== undefined) {
        conditions.push('token_hash = @guard_token AND token_used_at IS NULL')
        parameters.guard_token = guard.tokenHash
      }
      const sql = `UPDATE approvals SET ${columns.map((c) => `${c} = @set_${c}`).join(', ')} WHERE ${conditions.join(' AND ')}`
      return db.prepare(sql).run(parameters).changes === 1
    },
    openApprovalsDueBy: (now) => dueStatement.all(now) as ApprovalRow[],
    nextOpenExpiry: () => (nextExpiryStatement.get() as { next: number | null }).next ?? undefined,
    insertGrant: (row) => void insertGrantStatement.run(row),
    getGrant: (id) => getGrantStatement.get(id) as GrantRow | undefined,
    listGrants({ activeAt, sessionId }) {
      const conditions: string[] = []
      const parameters: unknown[] = []
      if (activeAt !== undefined) {
        conditions.push('revoked_at IS NULL AND expires_at > ? AND (max_uses IS NULL OR uses < max_uses)')
        parameters.push(activeAt)
      }
      if (sessionId !== undefined) {
        conditions.push('session_id = ?')
        parameters.push(sessionId)
      }
      const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`
      return db
        .prepare(`SELECT * FROM grants ${where} ORDER BY created_at DESC, id`)
        .all(...parameters) as GrantRow[]
    },
    consumeGrantUse: (id, now) => consumeStatement.run(id, now).changes === 1,
    revokeGrant: (id, patch) => revokeGrantStatement.run({ id, ...patch }).changes === 1,
    transaction: (work) => db.transaction(work)(),
    close: () => {
      if (db.open) db.close()
    },
  }
}
