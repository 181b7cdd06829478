import { type FormEvent, useCallback, useState } from 'react'
import { useApiResource } from '../hooks/use-api-resource.ts'
import type { ApiClient } from '../lib/api-client.ts'
import { OutcomeNotice } from './not-available.tsx'
import { ResourceTable } from './resource-table.tsx'

/** How often the list is reloaded, so "next run" and the run counts stay current (milliseconds). */
const TIMERS_REFRESH_MS = 15_000

/** A timer as GET /timers lists it (docs/signals.md). */
interface TimerRow {
  id: string
  kind: 'cron' | 'once' | 'interval'
  spec: string | number
  timezone?: string
  event?: string
  name?: string
  source: 'manifest' | 'added'
  nextAt: string | null
  lastAt: string | null
  count: number
}

const UNITS_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 }

function when(iso: string | null): string {
  return iso === null ? '—' : new Date(iso).toLocaleString()
}

function specText(timer: TimerRow): string {
  if (timer.kind === 'interval') {
    const ms = Number(timer.spec)
    if (ms % UNITS_MS.h! === 0) return `every ${ms / UNITS_MS.h!} h`
    if (ms % UNITS_MS.m! === 0) return `every ${ms / UNITS_MS.m!} min`
    return `every ${ms / 1000} s`
  }
  if (timer.kind === 'cron') return `${timer.spec}${timer.timezone ? ` (${timer.timezone})` : ''}`
  return String(timer.spec)
}

/** The form's schedule as the API's timer: "25m" an interval, an ISO time a once, else cron. */
function timerOf(id: string, schedule: string): Record<string, unknown> {
  const every = /^(\d+)\s*([smh])$/.exec(schedule)
  if (every) return { id, kind: 'interval', spec: Number(every[1]) * UNITS_MS[every[2]!]! }
  if (/^\d{4}-\d{2}-\d{2}T/.test(schedule)) return { id, kind: 'once', spec: schedule }
  return { id, kind: 'cron', spec: schedule }
}

export function TimersPanel({ api }: { api: ApiClient }) {
  const load = useCallback(() => api.get<TimerRow[]>('/timers'), [api])
  const timers = useApiResource(load, TIMERS_REFRESH_MS)
  const [status, setStatus] = useState<string | undefined>(undefined)
  const [id, setId] = useState('')
  const [schedule, setSchedule] = useState('')
  const rows = timers.outcome?.kind === 'ok' ? timers.outcome.data : []

  const report = (what: string, outcome: Awaited<ReturnType<ApiClient['get']>>) => {
    setStatus(
      outcome.kind === 'ok'
        ? what
        : `Could not: ${outcome.kind === 'error' ? `${outcome.error.code}: ${outcome.error.message}` : outcome.kind}`,
    )
    timers.reload()
  }
  const add = async (event: FormEvent) => {
    event.preventDefault()
    if (id.trim() === '' || schedule.trim() === '') return
    const outcome = await api.post('/timers', timerOf(id.trim(), schedule.trim()))
    report(`Added ${id.trim()}`, outcome)
    if (outcome.kind === 'ok') {
      setId('')
      setSchedule('')
    }
  }
  const remove = async (timer: TimerRow) =>
    report(`Removed ${timer.id}`, await api.delete(`/timers/${encodeURIComponent(timer.id)}`))
  const runNow = async (timer: TimerRow) =>
    report(`Fired ${timer.id}`, await api.post(`/timers/${encodeURIComponent(timer.id)}/run`))

  return (
    <section className="panel timers" aria-labelledby="timers-title">
      <header className="panel-head">
        <h2 id="timers-title">Timers</h2>
        <button type="button" onClick={() => timers.reload()}>
          Reload
        </button>
      </header>
      <p className="muted">
        Scheduled jobs and when each runs next. Timers from the manifest are changed in the manifest; the ones
        added here are kept in the data directory.
      </p>
      <OutcomeNotice outcome={timers.outcome} what="the timers" />
      <ResourceTable
        loaded={timers.outcome?.kind === 'ok'}
        rowCount={rows.length}
        empty="No timers."
        className="timers-table"
        columns={[
          'Timer',
          'Schedule',
          'Event',
          'Next run',
          'Last run',
          'Runs',
          'From',
          { label: 'Actions', hidden: true },
        ]}
      >
        {rows.map((timer) => (
          <tr key={timer.id} data-testid="timer" data-timer-id={timer.id}>
            <td>{timer.name ? `${timer.name} (${timer.id})` : timer.id}</td>
            <td>{specText(timer)}</td>
            <td>
              <code>{timer.event ?? 'timer.tick'}</code>
            </td>
            <td data-testid="timer-next" data-next-at={timer.nextAt ?? ''}>
              {when(timer.nextAt)}
            </td>
            <td>{when(timer.lastAt)}</td>
            <td data-testid="timer-count">{timer.count}</td>
            <td>{timer.source}</td>
            <td className="decide">
              <button type="button" onClick={() => runNow(timer)} aria-label={`Run ${timer.id} now`}>
                Run now
              </button>
              {timer.source === 'added' ? (
                <button type="button" onClick={() => remove(timer)} aria-label={`Remove ${timer.id}`}>
                  Remove
                </button>
              ) : null}
            </td>
          </tr>
        ))}
      </ResourceTable>
      <form className="timer-add" onSubmit={add} aria-label="Add a timer">
        <label>
          Id <input value={id} onChange={(event) => setId(event.target.value)} name="timer-id" />
        </label>
        <label>
          Schedule{' '}
          <input
            value={schedule}
            onChange={(event) => setSchedule(event.target.value)}
            name="timer-schedule"
            placeholder="25m, 0 9 * * 1-5 or 2026-12-24T18:00:00Z"
          />
        </label>
        <button type="submit">Add timer</button>
      </form>
      {status ? <p role="status">{status}</p> : null}
    </section>
  )
}
