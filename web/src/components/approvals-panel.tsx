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
  const decide = async (decision: 'approve' | 'deny') => {
    if (id === undefined) return
    setBusy(true)
    const outcome = await api.post(
      `/approvals/${encodeURIComponent(id)}/${decision}`,
      decision === 'deny' && reason.trim() ? { reason: reason.trim() } : {},
    )
    setBusy(false)
    if (outcome.kind === 'ok') onDone()
    else setError(outcome.kind === 'error' ? `${outcome.error.code}: ${outcome.error.message}` : outcome.kind)
  }
  const targets = Array.isArray(row.targets) ? row.targets.map((target) => text(target)) : []
  return (
    <li className="card" data-testid="approval">
      <h3>
        {text(row.action) || 'action'} <span className="tag">{text(row.tier)}</span>
      </h3>
      <p className="muted">
        requested by {text(row.requestedBy) || '?'}
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
      {typeof row.diff === 'string' && row.diff ? <DiffView diff={row.diff} /> : null}
      {typeof row.preview === 'string' && row.preview && !row.diff ? (
        <pre className="preview">{row.preview}</pre>
      ) : null}
      <div className="decide">
        <button
          type="button"
          className="primary"
          disabled={busy || id === undefined}
          onClick={() => decide('approve')}
        >
          Approve
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
