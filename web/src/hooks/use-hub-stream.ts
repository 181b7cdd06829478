// Bridges the live tail to React: events arrive into a pending batch, and one requestAnimationFrame
// callback per frame moves the batch into the ring buffer and re-renders once, however many
// thousands of events came in meanwhile.
import { useCallback, useEffect, useRef, useState } from 'react'
import type { Envelope } from '../../../src/contracts/index.ts'
import type { ApiClient } from '../lib/api-client.ts'
import { backlogStart, findLastSeq } from '../lib/backlog.ts'
import { EventStore } from '../lib/event-store.ts'
import { applyLiveEvents, EMPTY_LIVE_STATE, type LiveState } from '../lib/live-state.ts'
import { EventStreamClient, type StreamStatus } from '../lib/stream-client.ts'

export interface HubStream {
  store: EventStore
  /** Bumps once per rendered batch. */
  version: number
  status: StreamStatus
  live: LiveState
  /** Events received over the last second. */
  rate: number
  pause(): void
  resume(): void
}

function eventsUrl(): string {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws'
  return `${scheme}://${window.location.host}/ws/events`
}

async function startSeq(api: ApiClient): Promise<number | undefined> {
  try {
    const last = await findLastSeq(async (from) => {
      const outcome = await api.get<Envelope[]>(`/events?from=${from}&limit=1`)
      if (outcome.kind !== 'ok') throw new Error(outcome.kind)
      const seq = Array.isArray(outcome.data) ? outcome.data[0]?.seq : undefined
      return typeof seq === 'number' ? seq : undefined
    })
    return backlogStart(last)
  } catch {
    return undefined // live events only
  }
}

/** `hub`: this hub's log; `federation`: every hub's events as the root holds them (decision 1642). */
export type StreamScope = 'hub' | 'federation'

export function useHubStream(
  api: ApiClient,
  enabled: boolean,
  onConnectFailures: () => void,
  scope: StreamScope = 'hub',
): HubStream {
  const storeRef = useRef<EventStore>(new EventStore())
  const clientRef = useRef<EventStreamClient | undefined>(undefined)
  const [version, setVersion] = useState(0)
  const [status, setStatus] = useState<StreamStatus>({
    state: 'idle',
    attempt: 0,
    malformed: 0,
    duplicates: 0,
  })
  const [live, setLive] = useState<LiveState>(EMPTY_LIVE_STATE)
  const [rate, setRate] = useState(0)
  const failuresRef = useRef(onConnectFailures)
  failuresRef.current = onConnectFailures

  useEffect(() => {
    if (!enabled) return
    // Another scope is another list: start it empty.
    storeRef.current.clear()
    setVersion(storeRef.current.version)
    let pending: Envelope[] = []
    let frame: number | undefined
    let counted = 0
    const flush = () => {
      frame = undefined
      const batch = pending
      pending = []
      storeRef.current.push(batch)
      // Sessions, nudges and modes are this hub's: the federation view does not feed them.
      if (scope === 'hub') setLive((state) => applyLiveEvents(state, batch))
      setVersion(storeRef.current.version)
      // lastSeq moves with every stored event; the status is refreshed with the batch, not per event.
      if (client !== undefined) setStatus(client.status)
    }
    let client: EventStreamClient | undefined
    let stopped = false
    const connect = (fromSeq: number | undefined) => {
      if (stopped) return
      client = new EventStreamClient({
        url: eventsUrl(),
        ...(fromSeq === undefined ? {} : { fromSeq }),
        scope,
        createSocket: (url) => new WebSocket(url),
        onEvent: (event) => {
          pending.push(event)
          counted++
          frame ??= requestAnimationFrame(flush)
        },
        onStatus: (next) => {
          setStatus(next)
          if (next.state === 'reconnecting' && next.attempt >= 3) failuresRef.current()
        },
      })
      clientRef.current = client
      client.start()
    }
    if (scope === 'federation') connect(undefined)
    else startSeq(api).then(connect)
    const meter = setInterval(() => {
      setRate(counted)
      counted = 0
    }, 1_000)
    return () => {
      stopped = true
      client?.stop()
      clearInterval(meter)
      if (frame !== undefined) cancelAnimationFrame(frame)
      clientRef.current = undefined
    }
  }, [api, enabled, scope])

  const pause = useCallback(() => clientRef.current?.pause(), [])
  const resume = useCallback(() => clientRef.current?.resume(), [])
  return { store: storeRef.current, version, status, live, rate, pause, resume }
}
