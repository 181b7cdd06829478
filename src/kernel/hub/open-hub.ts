import { mkdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { trace } from '@opentelemetry/api'
import { type Bus, createPermissionChecker, systemClock } from '../../bus/index.ts'
import {
  busLagProbe,
  chooseBus,
  EVENTS_FILE_NAME,
  federationView,
  openChosenBus,
} from '../../bus-factory/index.ts'
import { loadRegistry } from '../../catalog/index.ts'
import { compatRoutes } from '../../compat/index.ts'
import { HubError } from '../../contracts/index.ts'
import { ScenarioBook } from '../../federation/index.ts'
import { type HubManifest, type StateMachine, serverAddressOf } from '../../manifest/index.ts'
import { PairingService, pairingTtlFromEnv } from '../../pairing/index.ts'
import { PrincipalStore } from '../../principals/index.ts'
import {
  type ConsentPort,
  type EmbeddingPort,
  type HealthProbe,
  SERVICE_NAMES,
  type SearchPort,
  type SkillLogger,
  type SkillToolsPort,
} from '../../skill-api/index.ts'
import { startRetention } from '../../store/index.ts'
import { HANDS_FREE_SERVICE, type HandsFreeService } from '../../wake-word/index.ts'
import { ChatService } from '../chat/index.ts'
import { PipelineRunner } from '../pipeline/index.ts'
import { createServer, OWNER_PRINCIPAL_ID, principalOf, type RunningServer } from '../server/index.ts'
import { compileStateMachine, SessionRegistry } from '../sessions/index.ts'
import { createSkillServices, openSkillHost, skillPermissions } from '../skill-host/index.ts'
import { actionRoutes } from './action-routes.ts'
import { openHubActions } from './actions.ts'
import { reportBoot } from './boot-report.ts'
import { closeAll } from './close-all.ts'
import { defaultDataDir } from './data-home.ts'
import { deadLetterRoutes } from './dead-letter-routes.ts'
import { doctorRoutes } from './doctor-routes.ts'
import { federationRoutes } from './federation-routes.ts'
import { openHubFederation } from './hub-federation.ts'
import { createHubMetrics } from './hub-metrics.ts'
import { CHAT_PIPELINE_ID, DEFAULT_MANIFEST_PATH, type HubOptions } from './hub-options.ts'
import { createHubPort } from './hub-port.ts'
import { HUB_VERSION } from './hub-version.ts'
import { loadHubManifest } from './load-hub-manifest.ts'
import { startBusTriggers, wsEntryRoutes } from './pipeline-triggers.ts'
import { principalAuthority } from './principal-authority.ts'
import { principalRoutes } from './principal-routes.ts'
import { referencedTraceIds } from './referenced-traces.ts'
import { runRoutes } from './run-routes.ts'
import { createToolService, toolPortOf } from './tool-service.ts'
import { createTurnEndCollector, processYoungGeneration } from './turn-end-collection.ts'
import { checkVoiceIdleMs } from './voice-entry.ts'
import { publishVoiceModeChanges } from './voice-hands-free-events.ts'
import { voiceListenRoutes } from './voice-listen-route.ts'
import { checkWyomingPartialEventMs } from './voice-wyoming-connection-options.ts'
import type { SatelliteDialState } from './voice-wyoming-dialer.ts'
import { type RunningWyomingServer, startManifestWyomingServer } from './voice-wyoming-server.ts'
import { withDataDirRoots } from './workspace-roots.ts'

export { HUB_VERSION }

/** The built-in skills: `src/skills/<module>/index.ts`. */
const BUILTIN_SKILLS_DIRECTORY = fileURLToPath(new URL('../../skills/', import.meta.url))

/** Used when a manifest has no state machine: the chat flow of DESIGN.md section 6a. */
const FALLBACK_STATE_MACHINE: StateMachine = {
  states: ['idle', 'thinking', 'error'],
  transitions: [
    { on: 'chat.query', from: ['idle', 'error'], to: 'thinking' },
    { on: 'error.*', from: '*', to: 'error' },
    { on: 'turn.end', from: '*', to: 'idle' },
  ],
}

/**
 * Loads a manifest as the hub would: schema, semantics, and what the skill modules it names
 * require (`localhub manifest validate` uses it). Throws HubError with details.issues.
 */
export async function checkHubManifest(manifestPath: string): Promise<HubManifest> {
  const loaded = await loadHubManifest(manifestPath, loadRegistry(), {
    builtinDirectory: BUILTIN_SKILLS_DIRECTORY,
    manifestDirectory: dirname(resolve(manifestPath)),
  })
  // The scenario files federation.scenarios names are part of what the hub would refuse.
  await ScenarioBook.load(loaded.manifest.federation?.scenarios ?? [], dirname(resolve(manifestPath)))
  return loaded.manifest
}

export interface RunningHub {
  readonly url: string
  readonly loginUrl: string
  readonly token: string
  readonly dataDir: string
  readonly bus: Bus
  readonly manifest: HubManifest
  /** The language model, when a skill provides one. */
  readonly model: HealthProbe | undefined
  /** The Wyoming server for satellites, when the manifest has kernel.api.wyoming (docs/voice.md). */
  readonly wyoming: Pick<RunningWyomingServer, 'host' | 'port'> | undefined
  /** Satellites the hub dials (kernel.api.wyoming.satellites) and whether each is connected now. */
  readonly wyomingSatellites: () => SatelliteDialState[]
  close(): Promise<void>
}

function consoleFreeLogger(options: HubOptions): SkillLogger {
  // Skills log through the hub; without a server logger their lines are dropped, not printed.
  const sink = options.skillLog
  return {
    info: (message, fields) => sink?.('info', message, fields),
    warn: (message, fields) => sink?.('warn', message, fields),
    error: (message, fields) => sink?.('error', message, fields),
  }
}

/**
 * Starts a whole hub: catalog, manifest, bus, the kernel's consent and audit, every skill of the
 * manifest through the skill host, the pipeline runner with each pipeline's trigger, and the
 * HTTP/WebSocket server. Refuses to start on an invalid manifest.
 */
export async function openHub(options: HubOptions = {}): Promise<RunningHub> {
  const startedAt = Date.now()
  // A bad option refuses the start before anything is opened.
  const voiceIdleMs = options.voiceIdleMs === undefined ? undefined : checkVoiceIdleMs(options.voiceIdleMs)
  const wyomingPartialEventMs =
    options.wyomingPartialEventMs === undefined
      ? undefined
      : checkWyomingPartialEventMs(options.wyomingPartialEventMs)
  const env = options.env ?? process.env
  const dataDir = resolve(options.dataDir ?? defaultDataDir(env))
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const registry = loadRegistry()
  const manifestPath = options.manifestPath ?? DEFAULT_MANIFEST_PATH
  const loaded = await loadHubManifest(manifestPath, registry, {
    builtinDirectory: BUILTIN_SKILLS_DIRECTORY,
    manifestDirectory: dirname(resolve(manifestPath)),
  })
  const manifest = withDataDirRoots(loaded.manifest, dataDir)
  // Seed 001's scenarios by name (federation.scenarios; docs/scenarios.md): a defect stops the start.
  const scenarios = await ScenarioBook.load(
    manifest.federation?.scenarios ?? [],
    dirname(resolve(manifestPath)),
  )
  const resolved = loaded.resolved
  const metrics = createHubMetrics()
  const permissionTable = {
    ...skillPermissions(manifest),
    // The hub's own token: the owner may publish and subscribe to everything. Other HTTP principals
    // are checked against their grants before the bus sees their events (principal-bus.ts).
    [OWNER_PRINCIPAL_ID]: { publish: ['>'], subscribe: ['>'] },
  }
  // Flag > environment > the manifest's bus: section > SQLite in the data directory (decision 1600).
  const busChoice = chooseBus({
    section: manifest.bus,
    flags: { ...(options.transport === undefined ? {} : { bus: options.transport }), ...options.bus },
    env,
    dataDir,
    ...(manifest.retention?.events === undefined ? {} : { eventsRetention: manifest.retention.events }),
  })
  // On NATS, retention.events (maxBytes included) becomes the log stream's limits (decision 1625).
  const bus = await openChosenBus(busChoice, {
    registry,
    defaultSource: 'kernel',
    permissions: permissionTable,
  })
  const closers: (() => Promise<void> | void)[] = [() => bus.close()]
  try {
    const services = createSkillServices()
    const skillLogger = consoleFreeLogger(options)
    const actions = await openHubActions({ dataDir, manifest, bus, version: HUB_VERSION })
    closers.unshift(() => actions.close())
    const federation = await openHubFederation(bus, { dataDir, scenarios, logger: skillLogger })
    closers.unshift(() => federation.close())
    // The mcp skill module reports its server's connection as its health (decision 1720).
    services.provide(SERVICE_NAMES.mcpServers, { status: (skillId: string) => actions.mcp.status(skillId) })
    // Out-of-process skills (transport: stdio) ask permission through the same approvals.
    services.provide<ConsentPort>(SERVICE_NAMES.consent, actions.approvals)
    // ...and offer their tools to the model under their manifest tier (decision 1832).
    services.provide<SkillToolsPort>(SERVICE_NAMES.skillTools, actions.skillTools)
    const toolService = createToolService(bus, actions, { metrics })
    closers.unshift(() => toolService.close())
    const sessions = new SessionRegistry(
      compileStateMachine(manifest.kernel?.stateMachine ?? FALLBACK_STATE_MACHINE),
      systemClock,
    )
    const skills = await openSkillHost({
      manifest,
      resolved,
      bus,
      permissions: createPermissionChecker(permissionTable),
      dataDir,
      env,
      clock: systemClock,
      metrics,
      logger: skillLogger,
      services,
      overrides: options.llmFlags === undefined ? {} : { llm: { ...options.llmFlags } },
    })
    closers.unshift(() => skills.close())
    const runner = new PipelineRunner({
      publisher: bus,
      contracts: bus.contracts,
      sessions,
      skills,
      metrics,
      tracer: trace.getTracer('localhub', HUB_VERSION),
      // A finished chat or voice turn empties the young generation when nothing else runs
      // (decisions 2090, 2098).
      turnEnd: createTurnEndCollector({ young: options.youngGeneration ?? processYoungGeneration() }),
    })
    closers.unshift(() => runner.close())
    // The file tools need a workspace root that exists; without one (and no MCP server) the model is offered none.
    const rootCount = manifest.workspace?.roots.length ?? 0
    if (
      (rootCount > 0 && actions.missingRoots.length < rootCount) ||
      actions.mcp.declared > 0 ||
      actions.skillTools.offering
    ) {
      services.provide(
        SERVICE_NAMES.tools,
        toolPortOf(toolService, (run) => runner.emitterOf(run)),
      )
    }
    const chatPipeline = manifest.pipelines.find((candidate) => candidate.id === CHAT_PIPELINE_ID)
    const chat = chatPipeline === undefined ? undefined : new ChatService({ runner, pipeline: chatPipeline })
    const retention = startRetention(
      {
        bus,
        ...(bus.transportName === 'sqlite' ? { eventsPath: join(dataDir, EVENTS_FILE_NAME) } : {}),
        keepTraceIds: () => referencedTraceIds(dataDir),
      },
      manifest.retention ?? {},
      {
        onError: (failure) =>
          skillLogger.warn('retention pass failed', { code: failure.code, message: failure.message }),
      },
    )
    closers.unshift(() => retention.stop())
    const triggers = await startBusTriggers(bus, runner, manifest.pipelines)
    closers.unshift(async () => {
      for (const subscription of triggers) await subscription.unsubscribe()
    })
    const model = services.get<HealthProbe>(SERVICE_NAMES.modelHealth)
    const busLag = busLagProbe(busChoice)
    closers.unshift(() => busLag.close())
    const hubsView = federationView(busChoice)
    if (hubsView !== undefined) closers.unshift(() => hubsView.close())
    const port = createHubPort({
      bus,
      busLag,
      federation: hubsView,
      ...(busChoice.transport === 'nats' && busChoice.hubId !== undefined ? { hubId: busChoice.hubId } : {}),
      chat,
      runner,
      sessions,
      skills,
      model,
      metrics,
    })
    // Tokens besides the hub's own, and seed 004 pairing that hands them to devices (decisions 2010, 2013).
    const principals = PrincipalStore.open({ dataDir })
    const ttlMs = options.pairingTtlMs ?? pairingTtlFromEnv(env)
    const pairing = new PairingService(
      {
        principals,
        hubId: manifest.system.id,
        publish: (draft) => bus.publish({ ...draft, source: 'kernel.pairing' } as never),
      },
      ttlMs === undefined ? {} : { ttlMs },
    )
    // Flag > environment > the manifest's kernel.api.http.base > default (decision 1404).
    const address = serverAddressOf(manifest, {
      flags: {
        ...(options.host === undefined ? {} : { host: options.host }),
        ...(options.port === undefined ? {} : { port: options.port }),
      },
      env,
    })
    const server: RunningServer = await createServer(
      {
        dataDir,
        host: address.host,
        port: address.port,
        ...(options.token === undefined ? {} : { token: options.token }),
        principals: principalAuthority(principals),
        env,
        registry: metrics.registry,
        routes: [
          deadLetterRoutes(bus),
          runRoutes(runner),
          doctorRoutes({
            manifest,
            dataDir,
            env,
            ...(options.llmFlags === undefined ? {} : { llmFlags: options.llmFlags }),
          }),
          actionRoutes(actions, toolService),
          federationRoutes(federation.service),
          principalRoutes(principals, pairing),
          ...skills.routes,
          ...wsEntryRoutes(
            bus,
            runner,
            manifest.pipelines,
            voiceIdleMs === undefined ? {} : { idleMs: voiceIdleMs },
          ),
          // Hands-free sources (wake word, Talk mode) when the manifest enables the wake skill.
          ...voiceListenRoutes(bus, runner, manifest.pipelines, services),
          // OpenAI- and Ollama-compatible APIs and MCP: a turn there is a /chat turn (decision 1700).
          compatRoutes({
            chat: (input) => port.chat(input),
            principalOf,
            modelName: () => model?.model,
            embeddings: () => services.get<EmbeddingPort>(SERVICE_NAMES.embeddings),
            tools: {
              descriptors: () => actions.tools.descriptors().map((tool) => ({ ...tool })),
              call: (name, params, signal) =>
                toolService.request({ tool: name, params }, { awaitDecision: signal }),
            },
            searches: () => ({
              memory: services.get<SearchPort>(SERVICE_NAMES.memorySearch),
              documents: services.get<SearchPort>(SERVICE_NAMES.documentSearch),
            }),
            version: HUB_VERSION,
          }),
        ],
        logger:
          options.logger === undefined ? {} : options.logger === false ? false : (options.logger as never),
      },
      port,
    )
    closers.unshift(async () => {
      await server.close()
      await runner.drain()
    })
    // Off unless the manifest has kernel.api.wyoming (decision 1516).
    const handsFree = services.get<HandsFreeService>(HANDS_FREE_SERVICE)
    if (handsFree !== undefined)
      closers.unshift(
        publishVoiceModeChanges(bus, handsFree, (error) =>
          skillLogger.warn('voice.mode.changed was not published', { message: (error as Error).message }),
        ),
      )
    const wyoming = await startManifestWyomingServer(runner, manifest, HUB_VERSION, {
      bus,
      ...(handsFree === undefined ? {} : { handsFree }),
      ...(wyomingPartialEventMs === undefined ? {} : { partialEventMs: wyomingPartialEventMs }),
      onDial: {
        onDisconnect: (name, reason, retryInMs) =>
          skillLogger.warn('Wyoming satellite unreachable', { satellite: name, reason, retryInMs }),
      },
    })
    if (wyoming !== undefined) closers.unshift(() => wyoming.close())
    await reportBoot(bus, manifest, skills.report(), startedAt, busChoice.transport, (id) =>
      skills.reportsItself(id),
    )
    let closed = false
    return {
      url: server.url,
      loginUrl: server.loginUrl,
      token: server.token,
      dataDir,
      bus,
      manifest,
      model,
      wyoming:
        wyoming?.server === undefined ? undefined : { host: wyoming.server.host, port: wyoming.server.port },
      wyomingSatellites: () => wyoming?.dialer?.states() ?? [],
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
