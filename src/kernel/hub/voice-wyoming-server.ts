import { createServer, type Server, type Socket } from 'node:net'
import type { Bus } from '../../bus/index.ts'
import { HubError } from '../../contracts/index.ts'
import {
  DEFAULT_WYOMING_END_OF_SPEECH_MS,
  DEFAULT_WYOMING_SERVER_HOST,
  type HubManifest,
  isLoopbackHost,
  type Pipeline,
  type WyomingServerSection,
} from '../../manifest/index.ts'
import type { HandsFreeService } from '../../wake-word/index.ts'
import { encodeWyomingEvent, wyomingInfoData } from '../../wyoming/index.ts'
import type { PipelineRunner } from '../pipeline/index.ts'
import type { VoiceSessionLimits } from './voice-session.ts'
import { WyomingConnection } from './voice-wyoming-connection.ts'
import { WyomingDialer, type WyomingDialOptions } from './voice-wyoming-dialer.ts'
import { WakeStreamBudget } from './voice-wyoming-wake.ts'

/** Satellites connected at once; each runs at most one turn at a time. */
export const DEFAULT_WYOMING_MAX_CONNECTIONS = 8

export interface RunningWyomingServer {
  readonly host: string
  /** The bound port (the manifest's, or the one picked for port 0). */
  readonly port: number
  close(): Promise<void>
}

export interface WyomingServerOptions {
  runner: PipelineRunner
  pipeline: Pipeline
  section: WyomingServerSection
  /** The data of the `info` event (a function: read on each describe). */
  info: Record<string, unknown> | (() => Record<string, unknown>)
  limits?: Partial<VoiceSessionLimits> & { maxConnections?: number }
  /** The hands-free settings: with them a satellite may stream for the wake word (start_stage wake). */
  handsFree?: HandsFreeService
  /** Where wakes and Talk changes of satellites are published. */
  bus?: Bus
  /** Shared with the dialled satellites: wake streams at once (default: this server's own). */
  wakeBudget?: WakeStreamBudget
  /** How long an event may stay incomplete (HubOptions.wyomingPartialEventMs). */
  partialEventMs?: number
}

/**
 * The hub's Wyoming server (kernel.api.wyoming, docs/voice.md): a TCP listener on which each
 * connection is a satellite running voice turns of `pipeline`. Binds loopback unless the section
 * says otherwise with allowRemote: true (the protocol has no authentication).
 */
export async function startWyomingServer(options: WyomingServerOptions): Promise<RunningWyomingServer> {
  const { section } = options
  const host = section.host ?? DEFAULT_WYOMING_SERVER_HOST
  if (section.port === undefined)
    throw new HubError('E_VALIDATION', 'kernel.api.wyoming has no port: the server has nothing to listen on')
  if (!isLoopbackHost(host) && section.allowRemote !== true)
    throw new HubError(
      'E_VALIDATION',
      `kernel.api.wyoming.host ${host} is not loopback: set allowRemote: true to serve satellites on the network`,
    )
  const maxConnections = options.limits?.maxConnections ?? DEFAULT_WYOMING_MAX_CONNECTIONS
  const wakeBudget = options.wakeBudget ?? new WakeStreamBudget()
  const connections = new Set<WyomingConnection>()
  const sockets = new Set<Socket>()
  let route = `wyoming://${host}:${section.port}`
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
    if (connections.size >= maxConnections) {
      socket.end(
        encodeWyomingEvent('error', {
          text: `more than ${maxConnections} Wyoming satellites are connected; try again later`,
          code: 'E_RESOURCE_LIMIT',
        }),
      )
      return
    }
    socket.setNoDelay(true)
    const connection = new WyomingConnection(socket, {
      runner: options.runner,
      pipeline: options.pipeline,
      route,
      info: options.info,
      endOfSpeechMs: section.endOfSpeechMs ?? DEFAULT_WYOMING_END_OF_SPEECH_MS,
      ...(options.limits === undefined ? {} : { limits: options.limits }),
      ...(options.handsFree === undefined ? {} : { handsFree: options.handsFree }),
      ...(options.bus === undefined ? {} : { bus: options.bus }),
      ...(options.partialEventMs === undefined ? {} : { partialEventMs: options.partialEventMs }),
      wakeBudget,
    })
    connections.add(connection)
    socket.on('close', () => connections.delete(connection))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new HubError(
          'E_IO',
          `the Wyoming server cannot listen on ${host}:${section.port}: ${error.code ?? error.message}`,
          { cause: error },
        ),
      ),
    )
    server.listen(section.port, host, () => resolve())
  })
  const port = (server.address() as { port: number }).port
  route = `wyoming://${host.includes(':') ? `[${host}]` : host}:${port}`
  return {
    host,
    port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const connection of connections) connection.close()
      for (const socket of sockets) socket.destroy()
      await closed
    },
  }
}

function configOf(manifest: HubManifest, matches: (skill: HubManifest['skills'][number]) => boolean) {
  const skill = manifest.skills.find((candidate) => candidate.enabled !== false && matches(candidate))
  return (skill?.config ?? {}) as Record<string, unknown>
}

function text(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback
}

/**
 * The hub's voice turn described as Wyoming services, from the manifest's voice skills and model;
 * with the hands-free settings, the wake phrases of the moment too.
 */
export function hubWyomingInfo(
  manifest: HubManifest,
  version: string,
  handsFree?: HandsFreeService,
): Record<string, unknown> {
  const stt = configOf(manifest, (skill) => (skill.consumes ?? []).includes('voice.chunk'))
  const tts = configOf(manifest, (skill) => (skill.provides ?? []).includes('tts.audio'))
  const language = text(stt.language, 'en-us')
  return wyomingInfoData({
    hubName: manifest.system.id,
    version,
    asr: { engine: text(stt.engine, 'pocketsphinx'), languages: [language] },
    tts: { engine: text(tts.engine, 'flite'), voice: text(tts.voicePreset, 'slt'), languages: [language] },
    handle: { model: text(manifest.llm?.model, manifest.llm?.provider ?? 'ollama'), languages: [language] },
    ...(handsFree === undefined
      ? {}
      : {
          wake: {
            engine: 'pocketsphinx',
            phrases: handsFree.control.state().phrases.map((entry) => entry.phrase),
            languages: [language],
          },
        }),
  })
}

/** The Wyoming side of a hub: the server satellites dial, and the dialler of satellites that wait. */
export interface RunningWyoming {
  readonly server: RunningWyomingServer | undefined
  readonly dialer: WyomingDialer | undefined
  close(): Promise<void>
}

export interface ManifestWyomingContext {
  bus?: Bus
  handsFree?: HandsFreeService
  /** Dial results of satellites, for the log. */
  onDial?: Pick<WyomingDialOptions, 'onConnect' | 'onDisconnect'>
  /** How long an event may stay incomplete (HubOptions.wyomingPartialEventMs). */
  partialEventMs?: number
}

/**
 * The Wyoming server (kernel.api.wyoming.port) and the dialled satellites (…satellites) of a
 * manifest, or undefined without the section (the default: off).
 */
export async function startManifestWyomingServer(
  runner: PipelineRunner,
  manifest: HubManifest,
  version: string,
  context: ManifestWyomingContext = {},
): Promise<RunningWyoming | undefined> {
  const section = manifest.kernel?.api?.wyoming
  if (section === undefined) return undefined
  const pipeline = manifest.pipelines.find((candidate) => {
    const first = candidate.steps[0]
    return first !== undefined && 'recv' in first && first.recv === 'voice.chunk'
  })
  // The manifest checks refuse the section without a voice pipeline; this guards a hand-made manifest.
  if (pipeline === undefined)
    throw new HubError(
      'E_VALIDATION',
      'kernel.api.wyoming needs a pipeline that starts with recv: voice.chunk',
    )
  // Read on each describe: the phrases change at run time.
  const info = () => hubWyomingInfo(manifest, version, context.handsFree)
  const shared = {
    wakeBudget: new WakeStreamBudget(),
    ...(context.handsFree === undefined ? {} : { handsFree: context.handsFree }),
    ...(context.bus === undefined ? {} : { bus: context.bus }),
    ...(context.partialEventMs === undefined ? {} : { partialEventMs: context.partialEventMs }),
  }
  const server =
    section.port === undefined
      ? undefined
      : await startWyomingServer({ runner, pipeline, section, info, ...shared })
  const satellites = section.satellites ?? []
  const dialer =
    satellites.length === 0
      ? undefined
      : new WyomingDialer(satellites, {
          connection: {
            runner,
            pipeline,
            info,
            endOfSpeechMs: section.endOfSpeechMs ?? DEFAULT_WYOMING_END_OF_SPEECH_MS,
            ...shared,
          },
          ...context.onDial,
        })
  return {
    server,
    dialer,
    async close() {
      dialer?.close()
      await server?.close()
    },
  }
}
