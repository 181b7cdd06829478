import { useCallback, useState } from 'react'
import { useApiResource } from '../hooks/use-api-resource.ts'
import type { ApiClient } from '../lib/api-client.ts'
import { DiffView } from './diff-view.tsx'
import { OutcomeNotice } from './not-available.tsx'
import { idOf, listOf, type Row, text } from './shapes.ts'

const POLL_MS = 3_000

function PendingApproval({ api, row, onDone }: { api: ApiClient; row: Row; onDone(): void }) {
  const id = idOf(row, 'approvalId', 'id')
  const [reason, setReason] = useState('')
  const [error, setError] = useState<string | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  // destructive_two_step: the first approve is a dry run answering a single-use token for the confirm.
  const [confirmationToken, setConfirmationToken] = useState<string | undefined>(undefined)
  const decide = async (decision: 'approve' | 'deny') => {
    if (id === undefined) return
    setBusy(true)
    const body: Record<string, string> = {}
    if (reason.trim()) body.reason = reason.trim()
    if (decision === 'approve' && confirmationToken !== undefined) body.confirmationToken = confirmationToken
    const outcome = await api.post<{ status?: string; confirmationToken?: string }>(
      `/approvals/${encodeURIComponent(id)}/${decision}`,
      body,
    )
    setBusy(false)
    if (outcome.kind === 'ok' && outcome.data?.status === 'awaiting_confirmation') {
      setConfirmationToken(outcome.data.confirmationToken)
    } else if (outcome.kind === 'ok') onDone()
    else setError(outcome.kind === 'error' ? `${outcome.error.code}: ${outcome.error.message}` : outcome.kind)
  }
  const targets = Array.isArray(row.targets) ? row.targets.map((target) => text(target)) : []
  // The hub's ApprovalView (docs/approvals.md): tool, tier, actorSkill, preview {kind, diff | paths}.
  const preview = (row.preview ?? {}) as { kind?: string; diff?: unknown; paths?: unknown }
  const diff = typeof row.diff === 'string' ? row.diff : typeof preview.diff === 'string' ? preview.diff : ''
  const paths = Array.isArray(preview.paths) ? preview.paths.map((path) => text(path)) : []
  return (
    <li className="card" data-testid="approval">
      <h3>
        {text(row.tool ?? row.action) || 'action'} <span className="tag">{text(row.tier)}</span>
      </h3>
      <p className="muted">
        requested by {text(row.actorSkill ?? row.requestedBy) || '?'}
        {row.expiresAt ? ` · expires ${new Date(String(row.expiresAt)).toLocaleString()}` : ''}
      </p>
      {targets.length > 0 ? (
        <ul className="targets">
          {targets.map((target) => (
            <li key={target}>
              <code>{target}</code>
            </li>
          ))}
        </ul>
      ) : null}
      {diff ? <DiffView diff={diff} /> : null}
      {paths.length > 0 ? (
        <pre className="preview" data-testid="approval-paths">
          {paths.join('\n')}
        </pre>
      ) : null}
      {typeof row.preview === 'string' && row.preview ? <pre className="preview">{row.preview}</pre> : null}
      <div className="decide">
        <button
          type="button"
          className="primary"
          disabled={busy || id === undefined}
          onClick={() => decide('approve')}
        >
          {confirmationToken === undefined ? 'Approve' : 'Confirm — this cannot be undone'}
        </button>
        <label>
          Reason{' '}
          <input
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            maxLength={500}
            placeholder="optional"
          />
        </label>
        <button
          type="button"
          className="danger"
          disabled={busy || id === undefined}
          onClick={() => decide('deny')}
        >
          Deny
        </button>
      </div>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
    </li>
  )
}

export function ApprovalsPanel({ api }: { api: ApiClient }) {
  const loadApprovals = useCallback(() => api.get<unknown>('/approvals'), [api])
  const loadGrants = useCallback(() => api.get<unknown>('/grants'), [api])
  const approvals = useApiResource(loadApprovals, POLL_MS)
  const grants = useApiResource(loadGrants, POLL_MS)
  const [grantError, setGrantError] = useState<string | undefined>(undefined)
  const revoke = async (id: string) => {
    const outcome = await api.delete(`/grants/${encodeURIComponent(id)}`)
    setGrantError(outcome.kind === 'error' ? outcome.error.message : undefined)
    grants.reload()
  }
  const pending =
    approvals.outcome?.kind === 'ok' ? listOf(approvals.outcome.data, 'pending', 'approvals', 'items') : []
  const standing = grants.outcome?.kind === 'ok' ? listOf(grants.outcome.data, 'grants', 'items') : []
  return (
    <section className="panel approvals" aria-labelledby="approvals-title">
      <header className="panel-head">
        <h2 id="approvals-title">Approvals</h2>
        <button type="button" onClick={approvals.reload}>
          Refresh
        </button>
      </header>
      <OutcomeNotice outcome={approvals.outcome} what="approvals" />
      {approvals.outcome?.kind === 'ok' && pending.length === 0 ? (
        <p className="muted">Nothing waits for your approval.</p>
      ) : null}
      <ul className="cards">
        {pending.map((row, index) => (
          <PendingApproval
            key={idOf(row, 'approvalId', 'id') ?? index}
            api={api}
            row={row}
            onDone={approvals.reload}
          />
        ))}
      </ul>
      <h2>Standing grants</h2>
      <OutcomeNotice outcome={grants.outcome} what="grants" />
      {grants.outcome?.kind === 'ok' && standing.length === 0 ? (
        <p className="muted">No standing grants.</p>
      ) : null}
      {grantError ? (
        <p className="error" role="alert">
          {grantError}
        </p>
      ) : null}
      <ul className="cards">
        {standing.map((row, index) => {
          const id = idOf(row, 'grantId', 'id')
          return (
            <li key={id ?? index} className="card grant">
              <span>
                <strong>{text(row.action) || text(row.scope) || id}</strong>{' '}
                <span className="muted">
                  {text(row.targets ?? row.pattern)} {row.expiresAt ? `until ${text(row.expiresAt)}` : ''}
                </span>
              </span>
              {id ? (
                <button type="button" className="danger" onClick={() => revoke(id)}>
                  Revoke
                </button>
              ) : null}
            </li>
          )
        })}
      </ul>
    </section>
  )
}
