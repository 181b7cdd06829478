import { useEffect, useState } from 'react'
import type { StreamScope } from '../hooks/use-hub-stream.ts'
import type { ApiClient } from '../lib/api-client.ts'

interface BusView {
  transport?: string
  hubId?: string
  federation?: boolean
}

/** The hub id and whether it can show the federation, from GET /health's `bus`. */
export function useBusView(api: ApiClient): BusView | undefined {
  const [bus, setBus] = useState<BusView | undefined>(undefined)
  useEffect(() => {
    let live = true
    api.get<{ bus?: BusView }>('/health').then((outcome) => {
      if (live && outcome.kind === 'ok') setBus(outcome.data.bus ?? {})
    })
    return () => {
      live = false
    }
  }, [api])
  return bus
}

/**
 * This hub or every hub (decision 1642): the live list and the timeline show this hub's log, or the
 * events of all hubs as the root holds them. Only a hub on NATS has a root to ask.
 */
export function ScopeSwitch({
  bus,
  scope,
  onChange,
}: {
  bus: BusView | undefined
  scope: StreamScope
  onChange(scope: StreamScope): void
}) {
  const available = bus?.federation === true
  const title = available
    ? undefined
    : 'All hubs needs this hub on a NATS bus joined to a root (docs/one-hub-per-machine.md)'
  return (
    <fieldset className="segmented scope-switch" aria-label="Events of" data-testid="scope-switch">
      <button type="button" aria-pressed={scope === 'hub'} onClick={() => onChange('hub')}>
        This hub{bus?.hubId === undefined ? '' : ` (${bus.hubId})`}
      </button>
      <button
        type="button"
        aria-pressed={scope === 'federation'}
        disabled={!available}
        title={title}
        onClick={() => onChange('federation')}
      >
        All hubs
      </button>
    </fieldset>
  )
}
