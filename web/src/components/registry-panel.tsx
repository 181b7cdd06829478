import { useCallback, useEffect, useMemo, useState } from 'react'
import { useApiResource } from '../hooks/use-api-resource.ts'
import type { HubStream } from '../hooks/use-hub-stream.ts'
import type { ApiClient } from '../lib/api-client.ts'
import {
  agentState,
  agentsOf,
  latestRegistryEventId,
  leaseText,
  recentPlanEvents,
} from '../lib/registry-view.ts'
import { OutcomeNotice } from './not-available.tsx'
import { ResourceTable } from './resource-table.tsx'
import { text } from './shapes.ts'

// Seed 001's capability registry (GET /registry; docs/federation.md): each agent with its kind,
// status, lease, load, rtt and capabilities with their probe results. The registry is its events,
// so the view reloads whenever a registry.*, route.changed or exec.lease.granted event arrives on
// the live stream, and polls besides (a lease runs out without an event until the hub's sweep).

const POLL_MS = 5_000
const TICK_MS = 1_000

function Capabilities({ agent }: { agent: ReturnType<typeof agentsOf>[number] }) {
  return (
    <ul className="capabilities">
      {agent.capabilities.map((capability) => (
        <li key={capability.id} data-testid="capability" data-probe={capability.probeOk ? 'ok' : 'failed'}>
          <code>{capability.id.replace(/^capability:\/\//, '')}</code>
          {capability.prio === undefined ? '' : ` prio ${capability.prio}`}
          {capability.cost === undefined ? '' : ` · ${capability.cost} cost`}
          {capability.outputs === undefined ? '' : ` · out ${capability.outputs.join(', ')}`}
          {capability.inputs === undefined ? '' : ` · in ${capability.inputs.join(', ')}`}
          {capability.tags === undefined ? '' : ` · ${capability.tags.join(', ')}`}
          {capability.probe === undefined && capability.probeOk ? null : (
            <span className={capability.probeOk ? 'status-ok' : 'status-fail'}>
              {' '}
              · probe {capability.probeOk ? 'ok' : 'failed'}
              {capability.probeLatencyMs === undefined ? '' : ` in ${capability.probeLatencyMs} ms`}
            </span>
          )}
        </li>
      ))}
    </ul>
  )
}

export function RegistryPanel({ api, stream }: { api: ApiClient; stream: HubStream }) {
  // biome-ignore lint/correctness/useExhaustiveDependencies: stream.version marks a new batch
  const changed = useMemo(() => latestRegistryEventId(stream.store), [stream.store, stream.version])
  // biome-ignore lint/correctness/useExhaustiveDependencies: stream.version marks a new batch
  const plans = useMemo(() => recentPlanEvents(stream.store, 10), [stream.store, stream.version])
  const load = useCallback(() => api.get<unknown>('/registry'), [api])
  const registry = useApiResource(load, POLL_MS, changed)
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), TICK_MS)
    return () => clearInterval(timer)
  }, [])
  const agents = registry.outcome?.kind === 'ok' ? agentsOf(registry.outcome.data) : []
  return (
    <section className="panel registry" aria-labelledby="registry-title">
      <header className="panel-head">
        <h2 id="registry-title">Registry</h2>
        {registry.outcome?.kind === 'ok' ? <span className="tag">{agents.length} agents</span> : null}
      </header>
      <OutcomeNotice outcome={registry.outcome} what="the registry" />
      <ResourceTable
        loaded={registry.outcome?.kind === 'ok'}
        rowCount={agents.length}
        empty="No agent has announced itself (POST /registry/announce)."
        className="registry-table"
        columns={['Agent', 'Kind', 'Status', 'Lease', 'Load', 'RTT', 'Capabilities']}
      >
        {agents.map((agent) => (
          <tr key={agent.agent} data-testid="agent-row" data-agent={agent.agent}>
            <th scope="row">
              <code>{agent.agent}</code>
            </th>
            <td>{agent.kind}</td>
            <td
              className={`status-${agent.leased && agent.status === 'up' ? 'ok' : 'fail'}`}
              data-testid="agent-status"
            >
              {agentState(agent)}
            </td>
            <td data-testid="agent-lease">{leaseText(agent, now)}</td>
            <td>{Number.isFinite(agent.load) ? agent.load.toFixed(2) : '?'}</td>
            <td>
              {Object.entries(agent.rttMs)
                .map(([to, ms]) => `${to} ${ms} ms`)
                .join(', ') || '—'}
            </td>
            <td>
              <Capabilities agent={agent} />
            </td>
          </tr>
        ))}
      </ResourceTable>
      {plans.length > 0 ? (
        <div>
          <h3>Recent plans and route changes</h3>
          <ul className="cards">
            {plans.map((event) => {
              const payload = event.payload as Record<string, unknown>
              return (
                <li key={event.id} className="card" data-testid="plan-event">
                  <code>{event.type}</code>{' '}
                  {event.type === 'route.changed'
                    ? `${text(payload.planId)} · ${text(payload.stepId)}: ${text(payload.fromAgent)} → ${text(payload.toAgent) || 'nowhere'} (${text(payload.reason)})`
                    : `${text(payload.stepId)} → ${text(payload.agent)} (${text(payload.capability)})`}{' '}
                  <span className="muted">{event.ts}</span>
                </li>
              )
            })}
          </ul>
        </div>
      ) : null}
    </section>
  )
}
