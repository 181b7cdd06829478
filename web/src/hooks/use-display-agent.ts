// Runs this tab as a display agent while the switch is on (web/src/lib/display-agent.ts,
// decision 2050). The switch is remembered in localStorage, so a tab set up as a display stays one
// across reloads. The agent has its own WebSocket tail (filter exec.step.dispatched, live only):
// the page's event list batches per animation frame, which a hidden tab does not run, and the
// person may pause it or switch it to all hubs. Off, or the page going away: the heartbeats stop
// and the hub is told status down (a keepalive request when the page is closing).
import { useCallback, useEffect, useRef, useState } from 'react'
import type { ApiClient } from '../lib/api-client.ts'
import {
  DEFAULT_DISPLAY_TTL_MS,
  type DisplayAgent,
  type DisplayItem,
  downHeartbeat,
  startDisplayAgent,
  storedAgentId,
} from '../lib/display-agent.ts'
import { supportsX25519 } from '../lib/grant-crypto.ts'
import { PageLoadMeter } from '../lib/page-load.ts'
import { EventStreamClient } from '../lib/stream-client.ts'

const SWITCH_KEY = 'localhub.display.enabled'
const AGENT_ID_KEY = 'localhub.display.agentId'
const MAX_ITEMS = 5
const OPEN_TIMEOUT_MS = 10_000

export type DisplayState =
  | { kind: 'off' }
  | { kind: 'starting' }
  | { kind: 'on'; agent: string }
  | { kind: 'failed'; message: string }

export interface DisplayAgentControl {
  enabled: boolean
  state: DisplayState
  items: readonly DisplayItem[]
  setEnabled(enabled: boolean): void
}

function storage(): Storage | undefined {
  try {
    return window.localStorage
  } catch {
    return undefined
  }
}

function dispatchStream(onDispatch: (payload: unknown) => void) {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws'
  let markOpened: () => void = () => {}
  let timer: ReturnType<typeof setTimeout> | undefined
  const opened = new Promise<void>((resolve, reject) => {
    markOpened = () => {
      clearTimeout(timer)
      resolve()
    }
    timer = setTimeout(() => reject(new Error('the live event stream did not open')), OPEN_TIMEOUT_MS)
  })
  opened.catch(() => {})
  const client = new EventStreamClient({
    url: `${scheme}://${window.location.host}/ws/events`,
    filter: 'exec.step.dispatched',
    createSocket: (url) => new WebSocket(url),
    onEvent: (event) => onDispatch(event.payload),
    onStatus: (status) => {
      if (status.state === 'live') markOpened()
    },
  })
  client.start()
  return {
    opened,
    stop: () => {
      clearTimeout(timer)
      client.stop()
    },
  }
}

function loadMeter(): { load(): number; stop(): void } {
  const meter = new PageLoadMeter()
  let observer: PerformanceObserver | undefined
  try {
    observer = new PerformanceObserver((list) => meter.add(list.getEntries()))
    observer.observe({ type: 'longtask', buffered: true })
  } catch {
    observer = undefined // no long-task timing here: the load reads 0
  }
  return { load: () => meter.load(performance.now()), stop: () => observer?.disconnect() }
}

export function useDisplayAgent(api: ApiClient, ready: boolean): DisplayAgentControl {
  const [enabled, setEnabledState] = useState(() => storage()?.getItem(SWITCH_KEY) === 'on')
  const [state, setState] = useState<DisplayState>({ kind: 'off' })
  const [items, setItems] = useState<readonly DisplayItem[]>([])
  const agentRef = useRef<DisplayAgent | undefined>(undefined)

  const setEnabled = useCallback((next: boolean) => {
    try {
      storage()?.setItem(SWITCH_KEY, next ? 'on' : 'off')
    } catch {
      // Not remembered; the switch still works for this page.
    }
    setEnabledState(next)
  }, [])

  useEffect(() => {
    if (!enabled || !ready) {
      setState({ kind: 'off' })
      return
    }
    let cancelled = false
    const meter = loadMeter()
    setState({ kind: 'starting' })
    const onPageHide = () => {
      const agent = agentRef.current
      if (agent === undefined) return
      // The page is going away: a keepalive request outlives it; the lease would run out anyway.
      void fetch('/registry/heartbeat', {
        method: 'POST',
        keepalive: true,
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(downHeartbeat(agent.agent, DEFAULT_DISPLAY_TTL_MS)),
      }).catch(() => undefined)
      void agent.stop()
    }
    ;(async () => {
      if (!window.isSecureContext || !(await supportsX25519(window.crypto))) {
        throw new Error(
          window.isSecureContext
            ? 'this browser’s WebCrypto has no X25519 (Chromium 133+, Firefox 130+ have it)'
            : 'WebCrypto needs a secure context: open the dashboard over https or on localhost',
        )
      }
      const agent = await startDisplayAgent({
        agentId: storedAgentId(storage(), AGENT_ID_KEY, () => crypto.randomUUID()),
        api,
        crypto: window.crypto,
        subscribe: dispatchStream,
        load: meter.load,
        onDisplay: (item) => setItems((shown) => [item, ...shown].slice(0, MAX_ITEMS)),
        onError: (error) => console.warn('display agent:', error.message),
      })
      if (cancelled) {
        await agent.stop({ announceDown: true })
        return
      }
      agentRef.current = agent
      window.addEventListener('pagehide', onPageHide)
      setState({ kind: 'on', agent: agent.agent })
    })().catch((error: unknown) => {
      if (!cancelled) setState({ kind: 'failed', message: String((error as Error)?.message ?? error) })
    })
    return () => {
      cancelled = true
      meter.stop()
      window.removeEventListener('pagehide', onPageHide)
      const agent = agentRef.current
      agentRef.current = undefined
      void agent?.stop({ announceDown: true })
    }
  }, [api, enabled, ready])

  return { enabled, state, items, setEnabled }
}
