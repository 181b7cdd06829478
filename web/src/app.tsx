import { useCallback, useEffect, useMemo, useState } from 'react'
import { ApprovalsPanel } from './components/approvals-panel.tsx'
import { ChatPanel } from './components/chat-panel.tsx'
import { DisplayCard, DisplaySwitch } from './components/display-panel.tsx'
import { EventsPanel } from './components/events-panel.tsx'
import { HealthPanel } from './components/health-panel.tsx'
import { InterruptibilityToggle } from './components/interruptibility-toggle.tsx'
import { LedgerPanel } from './components/ledger-panel.tsx'
import { LoginScreen } from './components/login-screen.tsx'
import { NavBar } from './components/nav-bar.tsx'
import { NudgesPanel } from './components/nudges-panel.tsx'
import { RegistryPanel } from './components/registry-panel.tsx'
import { ScopeSwitch, useBusView } from './components/scope-switch.tsx'
import { TimelinePanel } from './components/timeline-panel.tsx'
import { TimersPanel } from './components/timers-panel.tsx'
import { VoiceModeSwitch } from './components/voice-mode-switch.tsx'
import { VoicePanel } from './components/voice-panel.tsx'
import { useDisplayAgent } from './hooks/use-display-agent.ts'
import { useHashRoute } from './hooks/use-hash-route.ts'
import { type StreamScope, useHubStream } from './hooks/use-hub-stream.ts'
import { createApiClient } from './lib/api-client.ts'

type AuthState = 'checking' | 'ok' | 'required'

export function App() {
  const [auth, setAuth] = useState<AuthState>('checking')
  const requireLogin = useCallback(() => setAuth('required'), [])
  const api = useMemo(() => createApiClient(window.fetch.bind(window), requireLogin), [requireLogin])
  useEffect(() => {
    // Any authenticated route tells whether the cookie works; a 401 switches to the login screen.
    api.get('/sessions').then((outcome) => {
      if (outcome.kind !== 'unauthorised') setAuth('ok')
    })
  }, [api])
  // The WebSocket cannot report a 401; after a few failed connects ask over HTTP.
  const recheck = useCallback(() => void api.get('/sessions'), [api])
  const [scope, setScope] = useState<StreamScope>('hub')
  const stream = useHubStream(api, auth === 'ok', recheck, scope)
  const bus = useBusView(api)
  const route = useHashRoute()
  // The tab as a display agent (decision 2050): it runs whatever view is open.
  const display = useDisplayAgent(api, auth === 'ok')

  if (auth === 'required') return <LoginScreen />
  if (auth === 'checking') return <p className="muted loading">Connecting to the hub…</p>

  return (
    <div className="shell">
      <header className="top">
        <h1>
          Local Hub{' '}
          <span className={`conn conn-${stream.status.state}`} data-testid="connection">
            {stream.status.state}
          </span>
        </h1>
        <ScopeSwitch bus={bus} scope={scope} onChange={setScope} />
        <InterruptibilityToggle api={api} current={stream.live.interruptibility} />
        <VoiceModeSwitch api={api} />
      </header>
      <NavBar current={route.view} badges={{ nudges: stream.live.nudges.length }} />
      <main className="content">
        <DisplayCard control={display} />
        {route.view === 'chat' ? (
          <>
            <VoicePanel />
            <ChatPanel sessions={stream.live.sessions} onUnauthorised={requireLogin} />
          </>
        ) : null}
        {route.view === 'events' ? <EventsPanel stream={stream} localHubId={bus?.hubId} /> : null}
        {route.view === 'timeline' ? (
          <TimelinePanel api={api} stream={stream} traceId={route.argument} />
        ) : null}
        {route.view === 'approvals' ? <ApprovalsPanel api={api} /> : null}
        {route.view === 'ledger' ? <LedgerPanel api={api} /> : null}
        {route.view === 'nudges' ? (
          <NudgesPanel api={api} nudges={stream.live.nudges} mode={stream.live.interruptibility} />
        ) : null}
        {route.view === 'timers' ? <TimersPanel api={api} /> : null}
        {route.view === 'health' ? <HealthPanel api={api} status={stream.status} /> : null}
        {route.view === 'registry' ? (
          <>
            <DisplaySwitch control={display} />
            <RegistryPanel api={api} stream={stream} />
          </>
        ) : null}
      </main>
    </div>
  )
}
