import { useCallback } from 'react'
import { useApiResource } from '../hooks/use-api-resource.ts'
import type { ApiClient } from '../lib/api-client.ts'
import { OutcomeNotice } from './not-available.tsx'
import { ResourceTable } from './resource-table.tsx'
import { listOf, type Row, text } from './shapes.ts'

function verdict(data: unknown): { fine: boolean; line: string } {
  const row = (data ?? {}) as Row
  const fine = row.ok === true || row.valid === true || row.intact === true
  const checked = row.checked ?? row.entries ?? row.count
  const detail = text(row.message ?? row.reason ?? row.brokenAt ?? row.firstBad ?? '', 300)
  return {
    fine,
    line: `${fine ? 'chain intact' : 'chain BROKEN'}${checked === undefined ? '' : ` · ${text(checked)} entries checked`}${detail ? ` · ${detail}` : ''}`,
  }
}

export function LedgerPanel({ api }: { api: ApiClient }) {
  const loadEntries = useCallback(() => api.get<unknown>('/ledger'), [api])
  const loadVerify = useCallback(() => api.get<unknown>('/ledger/verify'), [api])
  const entries = useApiResource(loadEntries)
  const verification = useApiResource(loadVerify)
  const rows = entries.outcome?.kind === 'ok' ? listOf(entries.outcome.data, 'entries', 'items') : []
  const result = verification.outcome?.kind === 'ok' ? verdict(verification.outcome.data) : undefined
  return (
    <section className="panel ledger" aria-labelledby="ledger-title">
      <header className="panel-head">
        <h2 id="ledger-title">Audit ledger</h2>
        <button
          type="button"
          onClick={() => {
            entries.reload()
            verification.reload()
          }}
        >
          Verify again
        </button>
      </header>
      <OutcomeNotice outcome={verification.outcome} what="ledger verification" />
      {result ? (
        <p className={`notice ${result.fine ? 'good' : 'error'}`} data-testid="ledger-verify" role="status">
          {result.line}
        </p>
      ) : null}
      <OutcomeNotice outcome={entries.outcome} what="the ledger" />
      <ResourceTable
        loaded={entries.outcome?.kind === 'ok'}
        rowCount={rows.length}
        empty="The ledger is empty."
        className="ledger-table"
        columns={['When', 'Skill', 'Action', 'Targets', 'Before → after', 'Trace']}
      >
        {rows
          .slice(-500)
          .reverse()
          .map((row, index) => (
            <tr key={text(row.id ?? row.seq ?? index)} data-testid="ledger-entry">
              <td>{text(row.ts)}</td>
              <td>{text(row.actorSkill)}</td>
              <td>{text(row.action)}</td>
              <td>
                <code>{text(row.targets, 120)}</code>
              </td>
              <td>
                <code>
                  {text(row.beforeHash, 12)} → {text(row.afterHash, 12)}
                </code>
              </td>
              <td>
                <code>{text(row.traceId, 14)}</code>
              </td>
            </tr>
          ))}
      </ResourceTable>
    </section>
  )
}
