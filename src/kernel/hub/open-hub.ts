import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { trace } from '@opentelemetry/api'
import { type Bus, openBus, systemClock } from '../../bus/index.ts'
import { loadRegistry } from '../../catalog/index.ts'
import { HubError } from '../../contracts/index.ts'
import {
  type HubManifest,
  knownTypesFromEntries,
  loadManifest,
  type StateMachine,
} from '../../manifest/index.ts'
import { createLlmProvider, type LlmConfigInput, type LlmProvider } from '../../skills/llm/index.ts'
import { openMemoryStore } from '../../skills/memory/index.ts'
import { openRagStore } from '../../skills/rag/index.ts'
import { ChatService } from '../chat/chat-service.ts'
import { actionRoutes } from '../routes/action-routes.ts'
import { deadLetterRoutes } from '../routes/dead-letter-routes.ts'
import { memoryRoutes } from '../routes/memory-routes.ts'
import { createServer, OWNER_PRINCIPAL_ID, type RunningServer } from '../server/index.ts'
import { compileStateMachine, SessionRegistry } from '../sessions/index.ts'
import { openHubActions } from './actions.ts'
import { createHubMetrics } from './hub-metrics.ts'
import { CHAT_PIPELINE_ID, DEFAULT_DATA_DIR, DEFAULT_MANIFEST_PATH, type HubOptions } from './hub-options.ts'
import { createHubPort } from './hub-port.ts'
import { serveIndexRequests } from './index-requests.ts'
import { loadSkills } from './skill-loader.ts'
import { createToolService, toolPortOf } from './tool-service.ts'

/** Reported in system.boot.completed. */
export const HUB_VERSION = '0.1.0'

/** Used when a manifest has no state machine: the chat flow of DESIGN.md section 6a. */
const FALLBACK_STATE_MACHINE: StateMachine = {
  states: ['idle', 'thinking', 'error'],
  transitions: [
    { on: 'chat.query', from: ['idle', 'error'], to: 'thinking' },
    { on: 'error.*', from: '*', to: 'error' },
    { on: 'turn.end', from: '*', to: 'idle' },
  ],
}

export interface RunningHub {
  readonly url: string
  readonly loginUrl: string
  readonly token: string
  readonly dataDir: string
  readonly bus: Bus
  readonly manifest: HubManifest
  readonly llm: LlmProvider
  close(): Promise<void>
}

function llmInputOf(manifest: HubManifest): LlmConfigInput {
  const section = manifest.llm
  const skill = manifest.skills.find(
    (candidate) => candidate.role === 'core-brain' || candidate.id.startsWith('skill.llm.'),
  )
  const model = section?.model ?? (typeof skill?.config?.model === 'string' ? skill.config.model : undefined)
  const baseUrl = section?.baseUrl ?? skill?.transport?.base
  return {
    ...(section?.provider === undefined ? {} : { provider: section.provider }),
    ...(model === undefined ? {} : { model }),
    ...(baseUrl === undefined ? {} : { baseUrl }),
    ...(section?.embedModel === undefined ? {} : { embeddingModel: section.embedModel }),
    ...(section?.ggufPath === undefined ? {} : { ggufPath: section.ggufPath }),
    ...(section?.threads === undefined ? {} : { threads: section.threads }),
    ...(section?.contextSize === undefined ? {} : { contextTokens: section.contextSize }),
    ...(section?.temperature === undefined ? {} : { temperature: section.temperature }),
    ...(section?.firstTokenTimeoutMs === undefined
      ? {}
      : { firstTokenTimeoutMs: section.firstTokenTimeoutMs }),
    ...(section?.timeoutMs === undefined ? {} : { requestTimeoutMs: section.timeoutMs }),
  }
}

/**
 * Starts a whole hub: catalog, manifest, bus (SQLite log in the data directory), built-in skills,
 * chat pipeline and the HTTP/WebSocket server. Refuses to start on an invalid manifest.
 */
export async function openHub(options: HubOptions = {}): Promise<RunningHub> {
  const startedAt = Date.now()
  const env = options.env ?? process.env
  const dataDir = resolve(options.dataDir ?? DEFAULT_DATA_DIR)
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const registry = loadRegistry()
  const manifest = await loadManifest(options.manifestPath ?? DEFAULT_MANIFEST_PATH, {
    knownTypes: knownTypesFromEntries(registry.entries),
  })
  const pipeline = manifest.pipelines.find((candidate) => candidate.id === CHAT_PIPELINE_ID)
  const metrics = createHubMetrics()
  const bus = await openBus({
    transport: options.transport ?? 'sqlite',
    registry,
    ...(options.transport === 'memory' ? {} : { dataDir }),
    defaultSource: 'kernel',
    // One token today, so one principal: the owner may publish and subscribe to everything.
    // Narrower principals (member hubs, remote skills) get their own rows here.
    permissions: { [OWNER_PRINCIPAL_ID]: { publish: ['>'], subscribe: ['>'] } },
  })
  const closers: (() => Promise<void> | void)[] = [() => bus.close()]
  try {
    const llm = createLlmProvider(
      llmInputOf(manifest),
      env,
      options.llmFlags === undefined ? {} : { flags: options.llmFlags },
    )
    closers.unshift(() => llm.close())
    const memory = openMemoryStore({ path: join(dataDir, 'memory.sqlite') })
    closers.unshift(() => memory.close())
    const rag = openRagStore({ path: join(dataDir, 'rag.sqlite') })
    closers.unshift(() => rag.close())
    const actions = await openHubActions({ dataDir, manifest, bus })
    closers.unshift(() => actions.close())
    const toolsUnavailableReason =
      actions.missingRoots.length > 0 &&
      actions.missingRoots.length === (manifest.workspace?.roots.length ?? 0)
        ? `no workspace root exists (${actions.missingRoots.join(', ')}); create it or change workspace.roots`
        : (manifest.workspace?.roots.length ?? 0) === 0
          ? 'the manifest names no workspace roots'
          : undefined
    const toolService = createToolService(bus, actions)
    closers.unshift(() => toolService.close())
    const skills = loadSkills(
      manifest,
      {
        llm,
        memory,
        rag,
        ...(toolsUnavailableReason === undefined
          ? { tools: toolPortOf(toolService) }
          : { toolsUnavailableReason }),
      },
      bus,
    )
    const indexing = await serveIndexRequests(bus, rag, manifest.workspace?.roots ?? [])
    closers.unshift(() => indexing.unsubscribe())

    const sessions = new SessionRegistry(
      compileStateMachine(manifest.kernel?.stateMachine ?? FALLBACK_STATE_MACHINE),
      systemClock,
    )
    const chat =
      pipeline === undefined
        ? undefined
        : new ChatService({
            publisher: bus,
            contracts: bus.contracts,
            sessions,
            pipeline,
            skills: skills.runtimes,
            ...(skills.memory === undefined ? {} : { memory: skills.memory }),
            metrics,
            tracer: trace.getTracer('localhub', HUB_VERSION),
          })
    const port = createHubPort({ bus, chat, sessions, skills, llm, metrics })
    const server: RunningServer = await createServer(
      {
        dataDir,
        ...(options.host === undefined ? {} : { host: options.host }),
        ...(options.port === undefined ? {} : { port: options.port }),
        ...(options.token === undefined ? {} : { token: options.token }),
        env,
        registry: metrics.registry,
        routes: [memoryRoutes(memory), deadLetterRoutes(bus), actionRoutes(actions, toolService)],
        logger:
          options.logger === undefined ? {} : options.logger === false ? false : (options.logger as never),
      },
      port,
    )
    closers.unshift(async () => {
      await server.close()
      await chat?.drain()
    })
    const notReady = skills.report().filter((skill) => skill.status !== 'ready')
    for (const skill of notReady) {
      await bus.publish({
        type: 'skill.failed',
        severity: 'warn',
        payload: {
          skillId: skill.id,
          reason: (skill.reason ?? skill.status).slice(0, 1000),
          error: { code: 'E_DEPENDENCY_UNAVAILABLE', message: skill.reason ?? skill.status },
          restarts: 0,
          willRestart: false,
        },
      })
    }
    if (notReady.length > 0) {
      await bus.publish({
        type: 'hub.degraded',
        severity: 'warn',
        payload: {
          hubId: manifest.system.id,
          since: new Date(startedAt).toISOString(),
          reasons: notReady.slice(0, 50).map((skill) => ({
            component: skill.id,
            code: 'E_DEPENDENCY_UNAVAILABLE',
            message: (skill.reason ?? skill.status).slice(0, 1000),
          })),
        },
      })
    }
    await bus.publish({
      type: 'system.boot.completed',
      payload: {
        hubId: manifest.system.id,
        version: HUB_VERSION,
        startedAt: new Date(startedAt).toISOString(),
        bootMs: Math.round(Date.now() - startedAt),
        transport: options.transport ?? 'sqlite',
        skills: skills.report().map((skill) => skill.id),
      },
    })
    let closed = false
    return {
      url: server.url,
      loginUrl: server.loginUrl,
      token: server.token,
      dataDir,
      bus,
      manifest,
      llm,
      async close() {
        if (closed) return
        closed = true
        await closeAll(closers)
      },
    }
  } catch (error) {
    await closeAll(closers)
    throw error instanceof HubError
      ? error
      : new HubError('E_UNKNOWN', `the hub could not start: ${(error as Error).message}`, { cause: error })
  }
}

async function closeAll(closers: (() => Promise<void> | void)[]): Promise<void> {
  for (const close of closers) {
    try {
      await close()
    } catch {
      // Closing goes on: one failing part must not keep the others (and the log) open.
    }
  }
}
