import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { loadCatalog } from '../../catalog/index.ts'
import { createContracts, type Envelope, HubError } from '../../contracts/index.ts'
import { createRunState, type RunEmitter, type RunState } from '../../skill-api/index.ts'
import { createHttpSkill } from './http-skill.ts'

const contracts = createContracts(loadCatalog().document)

function turnState(): RunState {
  return createRunState({
    pipelineId: 'p',
    traceId: 't',
    sessionId: 's',
    trigger: { kind: 'http', route: '/chat' },
    text: 'where is the boiler manual?',
    startedAt: 0,
  })
}

function recorder(): RunEmitter & { events: Envelope[] } {
  const events: Envelope[] = []
  return {
    events,
    emit(type, payload, options) {
      return this.emitUntyped(type, payload as Record<string, unknown>, options)
    },
    async emitUntyped(type, payload, options = {}) {
      const envelope = {
        id: '0190b7e4-1c2a-7abc-8def-0123456789ab',
        type,
        version: 1,
        ts: new Date().toISOString(),
        source: options.source ?? 'kernel',
        severity: options.severity ?? 'info',
        traceId: 't',
        tenant: 'default',
        payload,
      } as Envelope
      const checked = contracts.validateEnvelope(envelope)
      if (!checked.ok) throw new HubError('E_VALIDATION', checked.error.message)
      events.push(envelope)
      return envelope
    },
  }
}

describe('http skill', () => {
  let server: Server
  let url: string
  const received: unknown[] = []
  before(async () => {
    server = createServer((request, response) => {
      let body = ''
      request.on('data', (chunk) => {
        body += chunk
      })
      request.on('end', () => {
        received.push(JSON.parse(body))
        if (request.url === '/rag') {
          response.writeHead(200, { 'content-type': 'application/x-ndjson' })
          response.end(
            `${JSON.stringify({ type: 'rag.context', payload: { hits: [{ sourceId: 'manual.pdf', title: 'Boiler manual', snippet: 'In the cellar.', score: 3.2 }] } })}\n`,
          )
        } else if (request.url === '/garbage') {
          response.writeHead(200)
          response.end('not json\n')
        } else if (request.url === '/invalid') {
          response.writeHead(200)
          response.end(`${JSON.stringify({ type: 'rag.context', payload: { hits: 'nope' } })}\n`)
        } else {
          response.writeHead(500)
          response.end('broken')
        }
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  after(() => new Promise<void>((resolve) => server.close(() => resolve())))

  const context = (turn: RunState, emitter: RunEmitter) => ({
    run: turn,
    step: { call: 'skill.rag.remote', mode: 'read_context' },
    pipeline: { id: 'p', steps: [] },
    emitter,
    signal: new AbortController().signal,
    metrics: { observe: () => undefined },
    onPart: () => undefined,
  })

  test('the step is posted with the turn, and the answered events are published and fed to the turn', async () => {
    const skill = createHttpSkill({ id: 'skill.rag.remote', url: `${url}/rag` })
    const turn = turnState()
    const emitter = recorder()
    await skill.invoke(context(turn, emitter))
    assert.deepEqual(
      (received.at(-1) as { mode: string; turn: { text: string } }).turn.text,
      'where is the boiler manual?',
    )
    assert.equal(emitter.events[0]?.type, 'rag.context')
    assert.equal(emitter.events[0]?.source, 'skill.rag.remote')
    assert.equal(turn.passages[0]?.title, 'Boiler manual')
    assert.equal(skill.status().state, 'ready')
  })

  test('errors, garbage and invalid events fail the step clearly', async () => {
    const failing = createHttpSkill({ id: 'skill.rag.remote', url: `${url}/broken` })
    await assert.rejects(
      failing.invoke(context(turnState(), recorder())),
      (error: HubError) => error.code === 'E_DEPENDENCY_UNAVAILABLE',
    )
    assert.equal(failing.status().state, 'degraded')
    await assert.rejects(
      createHttpSkill({ id: 'x', url: `${url}/garbage` }).invoke(context(turnState(), recorder())),
      /not JSON/,
    )
    await assert.rejects(
      createHttpSkill({ id: 'x', url: `${url}/invalid` }).invoke(context(turnState(), recorder())),
      (error: HubError) => error.code === 'E_VALIDATION',
    )
    const unreachable = createHttpSkill({ id: 'x', url: 'http://127.0.0.1:1/' })
    await assert.rejects(
      unreachable.invoke(context(turnState(), recorder())),
      (error: HubError) => error.code === 'E_DEPENDENCY_UNAVAILABLE',
    )
  })
})
