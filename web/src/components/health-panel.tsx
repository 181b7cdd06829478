import { useCallback, useState } from 'react'
import { useApiResource } from '../hooks/use-api-resource.ts'
import type { ApiClient } from '../lib/api-client.ts'
import type { StreamStatus } from '../lib/stream-client.ts'
import { LogRetention } from './log-retention.tsx'
import { MetricsView } from './metrics-view.tsx'
import { OutcomeNotice } from './not-available.tsx'
import { listOf, type Row, text } from './shapes.ts'

const POLL_MS = 5_000

function DeadLetters({ api }: { api: ApiClient }) {
  const load = useCallback(() => api.get<unknown>('/dlq'), [api])
  const dlq = useApiResource(load, POLL_MS)
  const [message, setMessage] = useState<string | undefined>(undefined)
  const run = async (call: Promise<{ kind: string }>, done: string) => {
    const outcome = await call
    setMessage(
      outcome.kind === 'ok'
        ? done
        : outcome.kind === 'unavailable'
          ? 'not available in this hub yet'
          : 'failed',
    )
    dlq.reload()
  }
  const rows = dlq.outcome?.kind === 'ok' ? listOf(dlq.outcome.data, 'entries', 'items') : []
  // GET /dlq lists entries with a numeric dlqId; POST /dlq/retry|purge take {ids}.
  const idsOf = (list: Row[]) =>
    list.map((row) => row.dlqId ?? row.id).filter((id): id is number => typeof id === 'number')
  return (
    <div>
      <h3>
        Dead-letter queue{dlq.outcome?.kind === 'ok' ? ` (${rows.length})` : ''}{' '}
        {rows.length > 0 ? (
          <button
            type="button"
            className="danger"
            onClick={() => run(api.post('/dlq/purge', { ids: idsOf(rows) }), 'purged')}
          >
            Purge all shown
          </button>
        ) : null}
      </h3>
      <OutcomeNotice outcome={dlq.outcome} what="the dead-letter queue" />
      {message ? <p role="status">{message}</p> : null}
      <ul className="cards">
        {rows.slice(0, 100).map((row, index) => {
          const ids = idsOf([row])
          return (
            <li key={ids[0] ?? index} className="card grant" data-testid="dead-letter">
              <span>
                <code>{text(row.eventType ?? (row.event as Row | undefined)?.type ?? row.type)}</code>{' '}
                <span className="muted">
                  {text(row.consumer)} · {text(row.attempts)} attempts ·{' '}
                  {text(row.lastError ?? row.error, 200)}
                </span>
              </span>
              {ids.length > 0 ? (
                <button type="button" onClick={() => run(api.post('/dlq/retry', { ids }), 'retried')}>
                  Retry
                </button>
              ) : null}
            </li>
          )
        })}
      </ul>
    </div>
  )
}

const DOCTOR_POLL_MS = 30_000
const DOCTOR_MARKS: Readonly<Record<string, string>> = { ok: '✓', info: 'ℹ', warn: '!', fail: '✗' }

/** GET /doctor: the list `localhub doctor` prints, each line with its fix. */
function DoctorChecks({ api }: { api: ApiClient }) {
  const load = useCallback(() => api.get<Row>('/doctor'), [api])
  const doctor = useApiResource(load, DOCTOR_POLL_MS)
  const report = doctor.outcome?.kind === 'ok' ? doctor.outcome.data : undefined
  const checks = report ? listOf(report.checks) : []
  return (
    <div>
      <h3>
        Checks{' '}
        {report ? (
          <span className={`tag status-${report.ok === true ? 'ok' : 'fail'}`} data-testid="doctor-verdict">
            {report.ok === true ? 'everything enabled can work' : 'something enabled cannot work'}
          </span>
        ) : null}{' '}
        <button type="button" onClick={() => doctor.reload()}>
          Check again
        </button>
      </h3>
      <OutcomeNotice outcome={doctor.outcome} what="the checks" />
      <ul className="doctor-list">
        {checks.map((check) => (
          <li
            key={`${text(check.id)}: ${text(check.summary)}`}
            data-testid="doctor-check"
            data-status={text(check.status)}
          >
            <span className={`status-${text(check.status)}`}>
              <span aria-hidden="true">{DOCTOR_MARKS[text(check.status)] ?? '?'}</span> {text(check.status)}
            </span>{' '}
            <strong>{text(check.id)}</strong> {text(check.summary, 400)}
            {check.fix === undefined ? null : <span className="fix">fix: {text(check.fix, 400)}</span>}
          </li>
        ))}
      </ul>
    </div>
  )
}

/** A skill the manifest turns off is shown as such, never as a failure. */
function skillState(skill: Row): string {
  return skill.enabled === false ? 'disabled' : text(skill.status)
}

export function HealthPanel({ api, status }: { api: ApiClient; status: StreamStatus }) {
  const load = useCallback(() => api.get<Row>('/health'), [api])
  const health = useApiResource(load, POLL_MS)
  const report = health.outcome?.kind === 'ok' ? health.outcome.data : undefined
  const skills = report ? listOf(report.skills) : []
  const bus = (report?.bus ?? {}) as Row
  return (
    <section className="panel health" aria-labelledby="health-title">
      <header className="panel-head">
        <h2 id="health-title">Health</h2>
        {report ? (
          <span className={`tag status-${text(report.status)}`} data-testid="health-status">
            {text(report.status)}
          </span>
        ) : null}
      </header>
      <OutcomeNotice outcome={health.outcome} what="health" />
      {report ? (
        <dl className="facts">
          <dt>Bus</dt>
          <dd>{text(bus.transport) || '?'}</dd>
          <dt>Bus lag</dt>
          <dd data-testid="bus-lag">
            {bus.lag === undefined && bus.lagEvents === undefined
              ? 'not reported by this hub'
              : text(bus.lag ?? bus.lagEvents)}
          </dd>
          <dt>Dead letters</dt>
          <dd>{text(bus.dlqEntries ?? '?')}</dd>
          <dt>Live stream</dt>
          <dd>
            {status.state}
            {status.lastSeq === undefined ? '' : `, at seq ${status.lastSeq}`}
            {status.malformed > 0 ? `, ${status.malformed} unreadable messages` : ''}
          </dd>
          <dt>Uptime</dt>
          <dd>{typeof report.uptimeMs === 'number' ? `${Math.round(report.uptimeMs / 1000)} s` : '?'}</dd>
        </dl>
      ) : null}
      {skills.length > 0 ? (
        <table className="skills">
          <caption>Skills</caption>
          <thead>
            <tr>
              <th scope="col">Skill</th>
              <th scope="col">State</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {skills.map((skill) => (
              <tr key={text(skill.id)} data-testid="skill-row">
                <th scope="row">{text(skill.id)}</th>
                <td className={`status-${skillState(skill)}`}>{skillState(skill)}</td>
                <td>{skill.enabled === false ? 'turned off in the manifest' : text(skill.reason, 200)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <DoctorChecks api={api} />
      <DeadLetters api={api} />
      <LogRetention api={api} />
      <h3>Metrics</h3>
      <MetricsView api={api} />
    </section>
  )
}
