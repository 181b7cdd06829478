import { useCallback } from 'react'
import type { Envelope } from '../../../src/contracts/index.ts'
import { useApiResource } from '../hooks/use-api-resource.ts'
import type { ApiClient } from '../lib/api-client.ts'
import { type Row, text } from './shapes.ts'

const POLL_MS = 60_000
/** How far back the last pass is looked for (a pass that deletes nothing publishes nothing). */
const LOOK_BACK_MS = 30 * 24 * 60 * 60 * 1000

function megabytes(value: unknown): string {
  return typeof value === 'number' ? `${(value / 1024 / 1024).toFixed(1)} MB` : '?'
}

/** The event log's last retention pass (store.log.compacted), read through the type index. */
export function LogRetention({ api }: { api: ApiClient }) {
  const load = useCallback(() => {
    const since = encodeURIComponent(new Date(Date.now() - LOOK_BACK_MS).toISOString())
    return api.get<Envelope[]>(`/events?type=store.log.compacted&since=${since}&limit=10000`)
  }, [api])
  const passes = useApiResource(load, POLL_MS)
  const events =
    passes.outcome?.kind === 'ok' && Array.isArray(passes.outcome.data) ? passes.outcome.data : []
  const last = events.at(-1)
  const payload = (last?.payload ?? {}) as Row
  return (
    <div>
      <h3>Event log retention</h3>
      {last === undefined ? (
        <p className="muted" data-testid="log-retention">
          No retention pass deleted anything in the last 30 days.
        </p>
      ) : (
        <p data-testid="log-retention">
          {new Date(last.ts).toLocaleString()} ({text(payload.trigger)}): {text(payload.deleted)} events
          deleted in {text(payload.batches)} batches, {text(payload.kept)} kept for the ledger or open
          approvals, {megabytes(payload.reclaimedBytes)} given back, log now {megabytes(payload.bytesAfter)}.
        </p>
      )}
    </div>
  )
}
