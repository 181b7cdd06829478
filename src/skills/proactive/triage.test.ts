import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { makeTempDir } from '../../../test/kit/temp-dir.ts'
import type { Envelope, Severity } from '../../contracts/index.ts'
import { AttentionStore, type InterruptibilityMode } from './attention-store.ts'
import { DEFAULT_LADDER, Ladder } from './ladder.ts'
import { RATE_WINDOW_MS, Triage } from './triage.ts'
import { DEFAULT_TRIAGE_RULES, TriageRuleBook } from './triage-rules.ts'

const HOUR_MS = 3_600_000
let nextId = 0

function signal(type: string, payload: Record<string, unknown>, severity: Severity = 'info'): Envelope {
  nextId++
  return {
    id: `signal-${nextId}`,
    type,
    version: 1,
    ts: new Date(0).toISOString(),
    source: 'test',
    severity,
    traceId: `trace-${nextId}`,
    payload,
  } as unknown as Envelope
}

const buildFailed = (project: string) =>
  signal('event.git.build_failed', { project, logPath: `/tmp/${project}.log`, exitCode: 1 })
const health = (value: number, severity: Severity = 'info') =>
  signal('event.system.health', { cpu: value, ram: 0.4, vram: 0, disk: 0.5 }, severity)

function openTriage(path: string, limits = { maxVoiceNudgesPerHour: 2, maxToastsPerHour: 6 }) {
  const store = new AttentionStore(path)
  const triage = new Triage({
    rules: new TriageRuleBook(DEFAULT_TRIAGE_RULES),
    ladder: new Ladder(DEFAULT_LADDER),
    store,
    limits,
    coalesceWindowMs: 600_000,
    defaultMode: 'available',
  })
  return { triage, store }
}

function withTriage(t: { after: (fn: () => void) => void }, limits?: Parameters<typeof openTriage>[1]) {
  const temp = makeTempDir()
  const path = join(temp.path, 'proactive.sqlite')
  const opened = openTriage(path, limits)
  t.after(() => {
    opened.store.close()
    temp.remove()
  })
  return { ...opened, path }
}

describe('triage', () => {
  test('health over its thresholds and a failed build climb to voice; a quiet signal is ignored', (t) => {
    const { triage } = withTriage(t)
    const start = Date.UTC(2026, 11, 5, 9)
    const high = triage.decide(health(0.99), start)
    assert.equal(high.kind, 'nudge')
    assert.equal(high.kind === 'nudge' && high.channel, 'voice')
    assert.equal(high.kind === 'nudge' && high.proposal.reason.startsWith('cpu 99%'), true)
    const build = triage.decide(buildFailed('app'), start + 1)
    assert.equal(build.kind === 'nudge' && build.channel, 'voice')
    assert.equal(build.kind === 'nudge' && build.proposal.title, 'The build of app failed')
    assert.deepEqual(triage.decide(health(0.3), start + 2), { kind: 'ignored' })
    assert.deepEqual(triage.decide(signal('event.fs.changed', { path: 'a', kind: 'create' }), start + 3), {
      kind: 'ignored',
    })
    const warn = triage.decide(health(0.5, 'warn'), start + 4)
    assert.equal(warn.kind === 'nudge' && warn.channel, 'toast')
    const calendarItem = (change: string) =>
      signal('calendar.event', {
        eventId: 'review@x',
        change,
        startsAt: '2026-12-05T10:00:00.000Z',
        calendar: 'work',
      })
    const upcoming = triage.decide(calendarItem('upcoming'), start + 5)
    assert.equal(upcoming.kind === 'nudge' && upcoming.channel, 'toast')
    assert.equal(upcoming.kind === 'nudge' && upcoming.proposal.reason, 'from the work calendar')
    assert.deepEqual(triage.decide(calendarItem('started'), start + 6), { kind: 'ignored' })
  })

  test('a limited nudge degrades one rung with rateLimited, never disappears; the window slides', (t) => {
    const { triage } = withTriage(t)
    const start = Date.UTC(2026, 11, 5, 9)
    const channels = Array.from({ length: 10 }, (_, index) => {
      const decision = triage.decide(buildFailed(`p${index}`), start + index * 1000)
      assert.equal(decision.kind, 'nudge')
      return decision.kind === 'nudge' ? `${decision.channel}${decision.rateLimited ? '!' : ''}` : ''
    })
    assert.deepEqual(channels, [
      'voice',
      'voice',
      ...Array.from({ length: 6 }, () => 'toast!'),
      'dashboard_only!',
      'dashboard_only!',
    ])
    // An hour after the first voice nudge, one voice slot is free again.
    const later = triage.decide(buildFailed('later'), start + RATE_WINDOW_MS + 1)
    assert.equal(later.kind === 'nudge' && later.channel, 'voice')
    // The other voice slot and all toasts were taken later: still inside this window.
    const next = triage.decide(buildFailed('later-2'), start + RATE_WINDOW_MS + 2)
    assert.equal(next.kind === 'nudge' && next.channel, 'dashboard_only')
  })

  test('the windows and the mode survive a restart', (t) => {
    const temp = makeTempDir()
    t.after(() => temp.remove())
    const path = join(temp.path, 'proactive.sqlite')
    const start = Date.UTC(2026, 11, 5, 9)
    const first = openTriage(path)
    first.triage.decide(buildFailed('a'), start)
    first.triage.decide(buildFailed('b'), start + 1)
    first.triage.setMode('focus')
    first.store.close()
    const second = openTriage(path)
    t.after(() => second.store.close())
    assert.equal(second.triage.mode(), 'focus')
    second.triage.setMode('available')
    const third = second.triage.decide(buildFailed('c'), start + 2)
    assert.equal(third.kind === 'nudge' && third.channel, 'toast')
    assert.equal(third.kind === 'nudge' && third.rateLimited, true)
  })

  test('dnd mutes everything but the dashboard list; focus allows at most a toast', (t) => {
    const { triage } = withTriage(t)
    const start = Date.UTC(2026, 11, 5, 9)
    triage.setMode('dnd')
    const muted = triage.decide(buildFailed('a'), start)
    assert.equal(muted.kind === 'nudge' && muted.channel, 'dashboard_only')
    assert.equal(muted.kind === 'nudge' && muted.rateLimited, false)
    assert.equal(muted.kind === 'nudge' && muted.proposal.channel, 'voice')
    triage.setMode('focus')
    const focused = triage.decide(buildFailed('b'), start + 1)
    assert.equal(focused.kind === 'nudge' && focused.channel, 'toast')
    // Muted nudges used no voice slot.
    triage.setMode('available')
    assert.equal(triage.usage(start + 2).voice, 0)
  })

  test('duplicates inside the coalescing window become one proposal', (t) => {
    const { triage } = withTriage(t)
    const start = Date.UTC(2026, 11, 5, 9)
    assert.equal(triage.decide(buildFailed('same'), start).kind, 'nudge')
    assert.deepEqual(triage.decide(buildFailed('same'), start + 60_000), {
      kind: 'coalesced',
      ruleId: 'build-failed',
    })
    assert.equal(triage.decide(buildFailed('same'), start + 600_001).kind, 'nudge')
  })

  test('feedback moves a rule: not helpful twice lowers a failed build to a toast, then the dashboard', (t) => {
    const { triage } = withTriage(t)
    const start = Date.UTC(2026, 11, 5, 9)
    const first = triage.decide(buildFailed('a'), start)
    assert.equal(first.kind, 'nudge')
    if (first.kind !== 'nudge') return
    triage.recordProposal('proposal-1', first, start)
    assert.equal(triage.feedback('proposal-1', false), 'build-failed')
    const second = triage.decide(buildFailed('b'), start + 1)
    assert.equal(second.kind === 'nudge' && second.proposal.severity, 'medium')
    assert.equal(second.kind === 'nudge' && second.channel, 'toast')
    triage.feedback('proposal-1', false)
    const third = triage.decide(buildFailed('c'), start + 2)
    assert.equal(third.kind === 'nudge' && third.channel, 'dashboard_only')
    assert.equal(triage.feedback('unknown', true), undefined)
  })

  test('feedback finds a proposal recorded before a restart, and none once it was pruned', (t) => {
    const temp = makeTempDir()
    t.after(() => temp.remove())
    const path = join(temp.path, 'proactive.sqlite')
    const start = Date.UTC(2026, 11, 5, 9)
    const first = openTriage(path)
    const decided = first.triage.decide(buildFailed('a'), start)
    assert.equal(decided.kind, 'nudge')
    if (decided.kind !== 'nudge') return
    first.triage.recordProposal('proposal-kept', decided, start)
    first.store.close()
    const second = openTriage(path)
    t.after(() => second.store.close())
    assert.equal(second.triage.feedback('proposal-kept', true), 'build-failed')
    second.store.prune(start + 8 * 24 * 3_600_000)
    assert.equal(second.triage.feedback('proposal-kept', true), undefined)
  })

  test('rules from the manifest are checked when the skill opens', () => {
    const rule = {
      id: 'r',
      match: 'event.>',
      severity: 'low',
      actionable: false,
      title: 't',
      reason: '',
    } as const
    assert.throws(
      () => new TriageRuleBook([{ ...rule, severity: 'urgent' as never }]),
      /rules\[0\]\.severity/,
    )
    assert.throws(() => new TriageRuleBook([{ ...rule, payloadEquals: [] as never }]), /payloadEquals/)
    assert.throws(() => new Ladder([{ level: 1, channel: 'pager' as never, when: 'low' }]), /channel/)
    assert.throws(() => new Ladder([{ level: 1, channel: 'toast', when: 'loud' }]), /when/)
    assert.deepEqual(new TriageRuleBook([rule]).ids, ['r'])
  })

  test('property: any signals, clock jumps and mode changes never exceed a limit in any sliding hour, never voice in dnd', (t) => {
    const temp = makeTempDir()
    t.after(() => temp.remove())
    let run = 0
    const step = fc.oneof(
      fc.record({
        kind: fc.constant('signal' as const),
        which: fc.integer({ min: 0, max: 5 }),
        key: fc.integer({ min: 0, max: 40 }),
      }),
      fc.record({
        kind: fc.constant('jump' as const),
        ms: fc.integer({ min: -2 * HOUR_MS, max: 3 * HOUR_MS }),
      }),
      fc.record({
        kind: fc.constant('mode' as const),
        mode: fc.constantFrom<InterruptibilityMode>('dnd', 'focus', 'available'),
      }),
      fc.record({ kind: fc.constant('restart' as const) }),
    )
    fc.assert(
      fc.property(
        fc.array(step, { maxLength: 120 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 8 }),
        (steps, maxVoice, maxToast) => {
          const path = join(temp.path, `run-${run++}.sqlite`)
          const limits = { maxVoiceNudgesPerHour: maxVoice, maxToastsPerHour: maxToast }
          let opened = openTriage(path, limits)
          let now = Date.UTC(2026, 11, 5, 9)
          let lowest = now
          const delivered: { channel: string; at: number }[] = []
          try {
            for (const item of steps) {
              if (item.kind === 'jump') {
                // Keep backward jumps within the day the store keeps deliveries for.
                now = Math.max(lowest, now + item.ms)
                lowest = Math.max(lowest, now - 20 * HOUR_MS)
              } else if (item.kind === 'mode') opened.triage.setMode(item.mode)
              else if (item.kind === 'restart') {
                opened.store.close()
                opened = openTriage(path, limits)
              } else {
                const key = `k${item.key}`
                const signals = [
                  buildFailed(key),
                  health(0.99),
                  health(0.92, 'warn'),
                  health(0.2),
                  signal('event.fs.changed', { path: key, kind: 'modify' }),
                  health(0.99, 'error'),
                ]
                const decision = opened.triage.decide(signals[item.which]!, now)
                if (decision.kind !== 'nudge') continue
                if (decision.mode === 'dnd') assert.equal(decision.channel, 'dashboard_only')
                if (decision.mode === 'focus') assert.notEqual(decision.channel, 'voice')
                delivered.push({ channel: decision.channel, at: now })
              }
              now += 1
            }
          } finally {
            opened.store.close()
          }
          for (const { at } of delivered) {
            const inHour = delivered.filter((entry) => entry.at > at - RATE_WINDOW_MS && entry.at <= at)
            assert.ok(inHour.filter((entry) => entry.channel === 'voice').length <= maxVoice)
            assert.ok(inHour.filter((entry) => entry.channel === 'toast').length <= maxToast)
          }
        },
      ),
      { numRuns: 60 },
    )
  })
})
