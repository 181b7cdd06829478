import { type FormEvent, useRef, useState } from 'react'
import { routeHref } from '../hooks/use-hash-route.ts'
import { type ChatPart, type Citation, streamChat } from '../lib/chat-client.ts'
import type { SessionView } from '../lib/live-state.ts'

interface Message {
  id: number
  role: 'user' | 'assistant'
  text: string
  citations: Citation[]
  traceId?: string
  error?: string
  streaming?: boolean
}

function newSessionId(): string {
  const stored = window.sessionStorage.getItem('localhub.sessionId')
  if (stored) return stored
  const id = `dashboard-${Math.random().toString(36).slice(2, 8)}`
  window.sessionStorage.setItem('localhub.sessionId', id)
  return id
}

export function ChatPanel({
  sessions,
  onUnauthorised,
}: {
  sessions: ReadonlyMap<string, SessionView>
  onUnauthorised: () => void
}) {
  const [sessionId, setSessionId] = useState(newSessionId)
  const [draft, setDraft] = useState('')
  const [messages, setMessages] = useState<Message[]>([])
  const [busy, setBusy] = useState(false)
  const abortRef = useRef<AbortController | undefined>(undefined)
  const nextId = useRef(0)
  const session = sessions.get(sessionId)

  const updateLast = (change: (message: Message) => Message) =>
    setMessages((list) => [...list.slice(0, -1), change(list.at(-1)!)])

  const onPart = (part: ChatPart) => {
    if (part.kind === 'start')
      updateLast((m) => ({ ...m, ...(part.traceId ? { traceId: part.traceId } : {}) }))
    else if (part.kind === 'chunk') updateLast((m) => ({ ...m, text: m.text + part.text }))
    else if (part.kind === 'end') updateLast((m) => ({ ...m, citations: part.citations, streaming: false }))
    else updateLast((m) => ({ ...m, error: `${part.error.code}: ${part.error.message}`, streaming: false }))
  }

  const send = async (event: FormEvent) => {
    event.preventDefault()
    const text = draft.trim()
    if (text === '' || busy) return
    setDraft('')
    setBusy(true)
    const id = nextId.current
    nextId.current += 2
    setMessages((list) => [
      ...list,
      { id, role: 'user', text, citations: [] },
      { id: id + 1, role: 'assistant', text: '', citations: [], streaming: true },
    ])
    const controller = new AbortController()
    abortRef.current = controller
    const outcome = await streamChat(
      window.fetch.bind(window),
      { text, sessionId },
      onPart,
      controller.signal,
    )
    if (outcome.kind === 'unauthorised') onUnauthorised()
    if (outcome.kind === 'done' && outcome.traceId)
      updateLast((m) => ({ ...m, traceId: m.traceId ?? outcome.traceId, streaming: false }))
    else updateLast((m) => ({ ...m, streaming: false }))
    setBusy(false)
  }

  return (
    <section className="panel chat" aria-labelledby="chat-title">
      <header className="panel-head">
        <h2 id="chat-title">Chat</h2>
        <label className="inline">
          Session{' '}
          <input value={sessionId} onChange={(e) => setSessionId(e.target.value)} disabled={busy} size={18} />
        </label>
        <span
          className={`state state-${session?.state ?? 'idle'}`}
          data-testid="session-state"
          aria-live="polite"
        >
          state: {session?.state ?? 'idle'}
        </span>
      </header>
      <ol className="transcript" aria-live="polite" aria-label="Conversation">
        {messages.length === 0 ? (
          <li className="muted">Ask something; the answer streams in as it is generated.</li>
        ) : null}
        {messages.map((message) => (
          <li key={message.id} className={`bubble ${message.role}`} data-testid={`message-${message.role}`}>
            <span className="who">{message.role === 'user' ? 'You' : 'Hub'}</span>
            <p>
              {message.text}
              {message.streaming ? (
                <span className="caret" aria-hidden="true">
                  ▍
                </span>
              ) : null}
            </p>
            {message.error ? (
              <p className="error" role="alert">
                {message.error}
              </p>
            ) : null}
            {message.citations.length > 0 ? (
              <ol className="citations" aria-label="Sources">
                {message.citations.map((citation) => (
                  <li key={citation.n} data-testid="citation">
                    [{citation.n}] {citation.title ?? citation.sourceId ?? 'source'}
                    {citation.location?.path ? <code> {String(citation.location.path)}</code> : null}
                  </li>
                ))}
              </ol>
            ) : null}
            {message.traceId && !message.streaming ? (
              <a className="trace-link" href={routeHref('timeline', message.traceId)}>
                timeline of this turn
              </a>
            ) : null}
          </li>
        ))}
      </ol>
      <form className="composer" onSubmit={send}>
        <label htmlFor="chat-input" className="visually-hidden">
          Message
        </label>
        <textarea
          id="chat-input"
          value={draft}
          rows={2}
          placeholder="Message (Enter to send, Shift+Enter for a new line)"
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey) send(e)
          }}
        />
        {busy ? (
          <button type="button" onClick={() => abortRef.current?.abort()}>
            Stop
          </button>
        ) : (
          <button type="submit" disabled={draft.trim() === ''}>
            Send
          </button>
        )}
      </form>
    </section>
  )
}
