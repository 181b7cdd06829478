import type { Timeline } from '../lib/timeline.ts'

function ms(value: number): string {
  return value >= 1_000 ? `${(value / 1_000).toFixed(2)} s` : `${Math.round(value)} ms`
}

/** The steps as a table (readable by screen readers) with bars drawn to scale beside them. */
export function Waterfall({ timeline }: { timeline: Timeline }) {
  const total = Math.max(timeline.totalMs, 1)
  const percent = (value: number) => `${Math.min(100, Math.max(0, (value / total) * 100)).toFixed(2)}%`
  return (
    <div className="waterfall" data-testid="waterfall">
      <p className="summary-line">
        <strong>{ms(timeline.totalMs)}</strong> in all · {timeline.events.length} events
        {timeline.ttftMs === undefined ? '' : ` · time to first token `}
        {timeline.ttftMs === undefined ? null : <strong data-testid="ttft">{ms(timeline.ttftMs)}</strong>}
        {timeline.outcome ? ` · outcome ${timeline.outcome}` : ''}
      </p>
      <table>
        <caption className="visually-hidden">Pipeline steps of trace {timeline.traceId}</caption>
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col">State</th>
            <th scope="col">Starts</th>
            <th scope="col">Takes</th>
            <th scope="col" className="bar-col">
              <span className="visually-hidden">Bar</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {timeline.steps.map((step) => (
            <tr
              key={`${step.pipelineId}|${step.label}|${step.startMs}`}
              className={`step step-${step.state}`}
              data-testid="timeline-step"
            >
              <th scope="row">
                {step.label}
                {step.skill ? <span className="muted"> · {step.skill}</span> : null}
              </th>
              <td>
                {step.state}
                {step.errorCode ? ` (${step.errorCode})` : ''}
              </td>
              <td>+{ms(step.startMs)}</td>
              <td>{ms(step.durationMs)}</td>
              <td className="bar-col" aria-hidden="true">
                <span
                  className="bar"
                  style={{
                    marginLeft: percent(step.startMs),
                    width: `max(2px, ${percent(step.durationMs)})`,
                  }}
                />
              </td>
            </tr>
          ))}
          {timeline.marks.map((mark) => (
            <tr key={`${mark.label}-${mark.atMs}`} className="mark">
              <th scope="row">{mark.label}</th>
              <td>mark</td>
              <td>+{ms(mark.atMs)}</td>
              <td />
              <td className="bar-col" aria-hidden="true">
                <span className="tick" style={{ marginLeft: percent(mark.atMs) }} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
