import { routeHref, VIEWS, type View } from '../hooks/use-hash-route.ts'
import { Icon } from './icon.tsx'

const LABELS: Record<View, { label: string; icon: string }> = {
  chat: { label: 'Chat', icon: 'message-square' },
  events: { label: 'Events', icon: 'activity' },
  timeline: { label: 'Timeline', icon: 'git-branch' },
  approvals: { label: 'Approvals', icon: 'shield-check' },
  ledger: { label: 'Ledger', icon: 'scroll-text' },
  nudges: { label: 'Nudges', icon: 'bell' },
  timers: { label: 'Timers', icon: 'clock' },
  health: { label: 'Health', icon: 'heart-pulse' },
  registry: { label: 'Registry', icon: 'route' },
}

export function NavBar({ current, badges }: { current: View; badges: Partial<Record<View, number>> }) {
  return (
    <nav className="nav" aria-label="Views">
      <ul>
        {VIEWS.map((view) => (
          <li key={view}>
            <a href={routeHref(view)} aria-current={view === current ? 'page' : undefined}>
              <Icon name={LABELS[view].icon} />
              <span>{LABELS[view].label}</span>
              {badges[view] ? (
                <span className="badge">
                  {badges[view]}
                  <span className="visually-hidden"> new</span>
                </span>
              ) : null}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  )
}
