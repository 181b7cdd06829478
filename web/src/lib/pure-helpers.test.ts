import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { Envelope } from '../../../src/contracts/index.ts'
import { createApiClient } from './api-client.ts'
import { backlogStart, findLastSeq } from './backlog.ts'
import { streamChat } from './chat-client.ts'
import { applyLiveEvents, EMPTY_LIVE_STATE, MAX_NUDGES } from './live-state.ts'
import { isCumulative, parsePrometheusText, sparklinePoints } from './prometheus.ts'
import { SseParser } from './sse-parser.ts'
import { buildTimeline } from './timeline.ts'

function event(
  type: string,
  ms: number,
  payload: Record<string, unknown> = {},
  extra: Partial<Envelope> = {},
): Envelope {
  return {
    id: `${type}-${ms}-${JSON.stringify(payload)}`,
    type,
    version: 1,
    ts: new Date(Date.UTC(2026, 0, 1) + ms).toISOString(),
    source: 'k',
    severity: 'info',
    traceId: 't1',
    tenant: 'default',
    payload,
    ...extra,
  }
}

describe('SseParser', () => {
  test('frames split anywhere, CRLF, comments and multi-line data', () => {
    const parser = new SseParser()
    const text =
      ': ping\r\n\r\nevent: stream.start\r\ndata: {"a":1}\r\n\r\nevent: stream.chunk\ndata: line1\ndata: line2\n\n'
    const frames = []
    for (const char of text) frames.push(...parser.push(char))
    assert.deepEqual(frames, [
      { event: 'stream.start', data: '{"a":1}' },
      { event: 'stream.chunk', data: 'line1\nline2' },
    ])
  })

  test('a frame that never ends is refused past the limit', () => {
    const parser = new SseParser(100)
    assert.throws(() => parser.push(`data: ${'x'.repeat(200)}`), RangeError)
    assert.deepEqual(parser.push('event: a\ndata: ok\n\n'), [{ event: 'a', data: 'ok' }], 'usable afterwards')
  })
})

describe('timeline', () => {
  test('pairs pipeline.status start/done into steps and measures time to first token', () => {
    const events = [
      event('turn.start', 0),
      event('pipeline.status', 1, { pipelineId: 'p', step: '0 emit', state: 'start', stepIndex: 0 }),
      event('pipeline.status', 3, {
        pipelineId: 'p',
        step: '0 emit',
        state: 'done',
        stepIndex: 0,
        durationMs: 2,
      }),
      event('pipeline.status', 3, {
        pipelineId: 'p',
        step: '1 call:skill.llm',
        state: 'start',
        stepIndex: 1,
        skill: 'skill.llm',
      }),
      event('stream.start', 10),
      event('stream.chunk', 45, {}, { seq: undefined }),
      event('stream.chunk', 50),
      event('pipeline.status', 90, {
        pipelineId: 'p',
        step: '1 call:skill.llm',
        state: 'done',
        stepIndex: 1,
      }),
      event('pipeline.status', 91, {
        pipelineId: 'p',
        step: '2 call:skill.rag',
        state: 'skipped',
        stepIndex: 2,
      }),
      event('turn.end', 100, { outcome: 'ok' }),
      event('turn.end', 100, { outcome: 'ok' }), // the same event twice (log + live): counted once
      event('chat.query', 5, {}, { traceId: 'other' }),
    ]
    const timeline = buildTimeline(events, 't1')
    assert.equal(timeline.totalMs, 100)
    assert.equal(timeline.ttftMs, 35)
    assert.equal(timeline.outcome, 'ok')
    assert.equal(timeline.events.length, 10)
    assert.deepEqual(
      timeline.steps.map((step) => [step.label, step.state, step.startMs, step.durationMs]),
      [
        ['0 emit', 'done', 1, 2],
        ['1 call:skill.llm', 'done', 3, 87],
        ['2 call:skill.rag', 'skipped', 91, 0],
      ],
    )
    assert.equal(timeline.steps[1]!.skill, 'skill.llm')
  })

  test('an unfinished step runs to the last event; no events gives an empty timeline', () => {
    const open = buildTimeline(
      [event('pipeline.status', 0, { pipelineId: 'p', step: 's', state: 'start' }), event('x.y', 40)],
      't1',
    )
    assert.deepEqual(
      open.steps.map((step) => [step.state, step.durationMs]),
      [['running', 40]],
    )
    assert.equal(buildTimeline([], 't1').steps.length, 0)
    assert.equal(buildTimeline([event('x', 0, {}, { ts: 'not a date' })], 't1').events.length, 0)
  })
})

describe('Prometheus text', () => {
  test('sums counters and histogram counts over labels, skips buckets, sums and junk', () => {
    const text = [
      '# HELP localhub_turn_ms turn time',
      '# TYPE localhub_turn_ms histogram',
      'localhub_turn_ms_bucket{le="10",outcome="ok"} 3',
      'localhub_turn_ms_sum{outcome="ok"} 40',
      'localhub_turn_ms_count{outcome="ok"} 4',
      'localhub_turn_ms_count{outcome="error"} 1',
      '# TYPE localhub_ws_clients gauge',
      'localhub_ws_clients 2',
      'process_cpu_seconds_total 9',
      'localhub_bad NaN',
      'garbage line {{{',
      'localhub_http_requests_total{route="/x",method="GET"} 7 1700000000',
    ].join('\n')
    const { values, types } = parsePrometheusText(text)
    assert.deepEqual(
      { ...values },
      { localhub_turn_ms_count: 5, localhub_ws_clients: 2, localhub_http_requests_total: 7 },
    )
    assert.equal(isCumulative('localhub_turn_ms_count', types), true)
    assert.equal(isCumulative('localhub_ws_clients', types), false)
    assert.equal(sparklinePoints([0, 5, 10], 100, 10), '0.0,10.0 50.0,5.0 100.0,0.0')
    assert.equal(sparklinePoints([], 100, 10), '')
  })
})

describe('backlog start', () => {
  test('finds the last seq of a log with gaps in few probes', async () => {
    const seqs = [3, 4, 10, 11, 12, 500, 501, 777]
    let probes = 0
    const probe = async (from: number) => {
      probes++
      return seqs.find((seq) => seq >= from)
    }
    assert.equal(await findLastSeq(probe), 777)
    assert.ok(probes < 30, `${probes} probes`)
    assert.equal(await findLastSeq(async () => undefined), 0)
    assert.equal(backlogStart(0), undefined)
    assert.equal(backlogStart(100, 500), 1)
    assert.equal(backlogStart(10_000, 500), 9_501)
  })
})

describe('live state', () => {
  test('tracks session states, nudges (newest first, capped) and interruptibility; ignores malformed ones', () => {
    let state = applyLiveEvents(EMPTY_LIVE_STATE, [
      event('session.state.changed', 0, {
        sessionId: 's1',
        from: 'idle',
        to: 'thinking',
        cause: 'chat.query',
      }),
      event('session.state.changed', 1, { sessionId: 's1' }),
      event('ui.interruptibility', 2, { mode: 'focus' }),
      event('ui.interruptibility', 3, { mode: 'asleep' }),
    ])
    assert.equal(state.sessions.get('s1')?.state, 'thinking')
    assert.equal(state.interruptibility, 'focus')
    const unchanged = applyLiveEvents(state, [event('chat.query', 4)])
    assert.equal(unchanged, state, 'no change, same object (no re-render)')
    const nudges = Array.from({ length: MAX_NUDGES + 5 }, (_, index) =>
      event('ui.nudge', 10 + index, {
        proposalId: `p${index}`,
        title: `n${index}`,
        channel: 'toast',
        severity: 'low',
      }),
    )
    state = applyLiveEvents(state, [...nudges, event('ui.nudge', 99, { title: 'no proposal id' })])
    assert.equal(state.nudges.length, MAX_NUDGES)
    assert.equal(state.nudges[0]!.payload.title, `n${MAX_NUDGES + 4}`)
  })
})

describe('API client', () => {
  const respond =
    (status: number, body: string, type = 'application/json') =>
    async () =>
      new Response(body, { status, headers: { 'content-type': type } })

  test('tells data, not-logged-in, not-available and errors apart', async () => {
    let unauthorised = 0
    const ok = await createApiClient(respond(200, '{"ok":true,"data":[1]}'), () => unauthorised++).get<
      number[]
    >('/x')
    assert.deepEqual(ok, { kind: 'ok', data: [1] })
    assert.equal(
      (await createApiClient(respond(401, '{}'), () => unauthorised++).get('/x')).kind,
      'unauthorised',
    )
    assert.equal(unauthorised, 1)
    assert.deepEqual(await createApiClient(respond(404, '{}')).get('/approvals'), {
      kind: 'unavailable',
      path: '/approvals',
    })
    const failed = await createApiClient(
      respond(409, '{"ok":false,"error":{"code":"E_BAD_REQUEST","message":"no"}}'),
    ).post('/x')
    assert.deepEqual(failed, { kind: 'error', status: 409, error: { code: 'E_BAD_REQUEST', message: 'no' } })
    const garbage = await createApiClient(respond(500, '<html>oops')).get('/x')
    assert.equal(garbage.kind === 'error' && garbage.error.code, 'E_UNKNOWN')
    const down = await createApiClient(async () => {
      throw new TypeError('fetch failed')
    }).get('/x')
    assert.equal(down.kind === 'error' && down.error.code, 'E_DEPENDENCY_UNAVAILABLE')
  })
})

describe('chat client', () => {
  test('streams parts in order and returns the trace id', async () => {
    const body = [
      'event: stream.start\ndata: {"streamId":"s","traceId":"tr"}\n\n',
      'event: stream.chunk\ndata: {"data":{"text":"Hel"}}\n',
      '\nevent: stream.chunk\ndata: {"data":{"text":"lo"}}\n\n: ping\n\n',
      'event: stream.end\ndata: {"reason":"done","citations":[{"n":1,"title":"Doc","location":{"path":"/a.md"}},"junk"]}\n\n',
    ]
    const fetchImpl = async () =>
      new Response(
        new ReadableStream({
          start: (controller) => {
            for (const part of body) controller.enqueue(new TextEncoder().encode(part))
            controller.close()
          },
        }),
        { headers: { 'content-type': 'text/event-stream' } },
      )
    const parts: unknown[] = []
    const outcome = await streamChat(fetchImpl, { text: 'hi' }, (part) => parts.push(part))
    assert.deepEqual(outcome, { kind: 'done', traceId: 'tr' })
    assert.deepEqual(
      parts.map((part) => (part as { kind: string }).kind),
      ['start', 'chunk', 'chunk', 'end'],
    )
    const end = parts[3] as { citations: Array<{ n: number; title?: string }> }
    assert.equal(end.citations[0]!.title, 'Doc')
  })

  test('an error before the stream (no LLM) and an error frame both end as errors', async () => {
    const early = await streamChat(
      async () =>
        new Response('{"ok":false,"error":{"code":"E_DEPENDENCY_UNAVAILABLE","message":"start ollama"}}', {
          status: 503,
          headers: { 'content-type': 'application/json' },
        }),
      { text: 'x' },
      () => {},
    )
    assert.deepEqual(early, {
      kind: 'error',
      error: { code: 'E_DEPENDENCY_UNAVAILABLE', message: 'start ollama' },
    })
    const late = await streamChat(
      async () =>
        new Response('event: stream.start\ndata: {}\n\nevent: error\ndata: not json\n\n', {
          headers: { 'content-type': 'text/event-stream' },
        }),
      { text: 'x' },
      () => {},
    )
    assert.equal(late.kind, 'error')
    assert.equal(
      (
        await streamChat(
          async () => new Response('', { status: 401 }),
          { text: 'x' },
          () => {},
        )
      ).kind,
      'unauthorised',
    )
  })
})
