// whisper.cpp in process through @fugood/whisper.node (prebuilt CPU binaries in per-platform npm
// packages, like @fugood/llama.node for the LLM). The model is a ggml file the person downloads once.
import { statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { HubError } from '../../contracts/index.ts'
import type { RecognitionSession, Transcript } from './pocketsphinx.ts'

export const WHISPER_NODE_PACKAGE = '@fugood/whisper.node'
export const WHISPER_MODEL_HINT =
  'download a ggml model, e.g. ggml-base.en.bin from https://huggingface.co/ggerganov/whisper.cpp ' +
  '(https://huggingface.co/ggerganov/whisper.cpp/resolve/main/ggml-base.en.bin), and set the skill’s config modelPath to it'
export const WHISPER_INSTALL_HINT = `run \`npm install --no-save ${WHISPER_NODE_PACKAGE}\` in the hub's folder (prebuilt whisper.cpp, nothing is compiled)`

/** The part of @fugood/whisper.node this engine uses (structural, so tests can pass a fake). */
export interface WhisperContextLike {
  transcribeData(
    audio: ArrayBuffer,
    options: Record<string, unknown>,
  ): {
    stop(): Promise<void>
    promise: Promise<{ result: string; segments?: { text: string }[]; isAborted?: boolean }>
  }
  release(): Promise<void>
}

export interface WhisperModuleLike {
  initWhisper(options: { filePath: string; useGpu?: boolean }): Promise<WhisperContextLike>
}

export type LoadWhisperModule = () => Promise<WhisperModuleLike>

/** A loader around `importModule`: a missing or broken package becomes E_DEPENDENCY_UNAVAILABLE. */
export function whisperNodeLoader(importModule: (specifier: string) => Promise<unknown>): LoadWhisperModule {
  return async () => {
    try {
      const module = (await importModule(WHISPER_NODE_PACKAGE)) as Partial<WhisperModuleLike> & {
        default?: Partial<WhisperModuleLike>
      }
      const api = typeof module.initWhisper === 'function' ? module : module.default
      if (api === undefined || typeof api.initWhisper !== 'function')
        throw new Error('initWhisper is not exported')
      return api as WhisperModuleLike
    } catch (error) {
      const code = (error as { code?: string })?.code
      const why =
        code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND'
          ? 'it is not installed'
          : `it failed to load (${(error as Error)?.message})`
      throw new HubError(
        'E_DEPENDENCY_UNAVAILABLE',
        `whisper.cpp needs ${WHISPER_NODE_PACKAGE}: ${why}; ${WHISPER_INSTALL_HINT}`,
        {
          details: { package: WHISPER_NODE_PACKAGE, reason: 'package-missing' },
          cause: error,
        },
      )
    }
  }
}

export const loadWhisperNode: LoadWhisperModule = whisperNodeLoader((specifier) => import(specifier))

/** Whether the package can be found from here, for /health (loading it waits for the first turn). */
export function whisperPackageInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve(WHISPER_NODE_PACKAGE)
    return true
  } catch {
    return false
  }
}

/** What keeps whisper from running with `modelPath`, or undefined when the file is there. */
export function whisperModelProblem(modelPath: string | undefined): string | undefined {
  if (modelPath === undefined || modelPath === '')
    return `engine whisper needs config modelPath: ${WHISPER_MODEL_HINT}`
  try {
    if (statSync(modelPath).isFile()) return undefined
    return `the whisper model ${modelPath} is not a file: ${WHISPER_MODEL_HINT}`
  } catch {
    return `the whisper model ${modelPath} does not exist: ${WHISPER_MODEL_HINT}`
  }
}

export interface WhisperEngineOptions {
  modelPath: string | undefined
  /** A whisper language code (en, de, auto); `en-us` is read as `en`. */
  language: string
  threads?: number
  loadModule?: LoadWhisperModule
}

export interface WhisperEngine {
  start(signal: AbortSignal, onSegment: (textSoFar: string) => void): RecognitionSession
  close(): Promise<void>
}

/**
 * Whisper reads a whole utterance: the session collects the audio while the person speaks and
 * transcribes it at `finish`, sending each segment whisper decodes as a partial. One context is
 * loaded at the first turn and shared; transcriptions run one at a time.
 */
export function createWhisperEngine(options: WhisperEngineOptions): WhisperEngine {
  const loadModule = options.loadModule ?? loadWhisperNode
  const language = options.language.split('-')[0]!.toLowerCase()
  let context: Promise<WhisperContextLike> | undefined
  let queueTail: Promise<unknown> = Promise.resolve()

  const loadContext = (): Promise<WhisperContextLike> => {
    context ??= (async () => {
      const problem = whisperModelProblem(options.modelPath)
      if (problem !== undefined)
        throw new HubError('E_DEPENDENCY_UNAVAILABLE', problem, {
          details: { path: options.modelPath, reason: 'model-missing' },
        })
      const module = await loadModule()
      try {
        return await module.initWhisper({ filePath: options.modelPath!, useGpu: false })
      } catch (error) {
        throw new HubError(
          'E_DEPENDENCY_UNAVAILABLE',
          `whisper.cpp could not load ${options.modelPath}: ${(error as Error)?.message}; ${WHISPER_MODEL_HINT}`,
          { details: { path: options.modelPath, reason: 'model-load-failed' }, cause: error },
        )
      }
    })()
    // A failed load is tried again at the next turn (the file may be there by then).
    context.catch(() => {
      context = undefined
    })
    return context
  }

  const transcribe = async (
    pcm: Buffer,
    signal: AbortSignal,
    onSegment: (textSoFar: string) => void,
  ): Promise<Transcript> => {
    const whisper = await loadContext()
    const previous = queueTail
    let release: () => void = () => undefined
    queueTail = new Promise<void>((resolve) => {
      release = resolve
    })
    try {
      await previous
      if (signal.aborted) throw signal.reason
      const audio = pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + pcm.length) as ArrayBuffer
      const segments: string[] = []
      const job = whisper.transcribeData(audio, {
        language,
        ...(options.threads === undefined ? {} : { maxThreads: options.threads }),
        onNewSegments: (update: { segments?: { text: string }[] }) => {
          for (const segment of update.segments ?? []) segments.push(segment.text.trim())
          onSegment(segments.filter((text) => text !== '').join(' '))
        },
      })
      const stop = () => void job.stop().catch(() => undefined)
      signal.addEventListener('abort', stop, { once: true })
      try {
        const result = await job.promise
        if (signal.aborted || result.isAborted === true)
          throw signal.reason ?? new HubError('E_TIMEOUT', 'whisper was stopped')
        // whisper marks stretches without speech as [BLANK_AUDIO] (or similar bracketed notes).
        const text = result.result
          .replace(/\[[^\]]*\]|\([^)]*\)/g, ' ')
          .replace(/\s+/g, ' ')
          .trim()
        // whisper.cpp reports no confidence through this API; 1 as for Wyoming services.
        return { text, confidence: text === '' ? 0 : 1 }
      } finally {
        signal.removeEventListener('abort', stop)
      }
    } finally {
      release()
    }
  }

  return {
    start(signal, onSegment) {
      const pieces: Buffer[] = []
      // Loading starts with the utterance, so the model is ready when the person stops speaking.
      loadContext().catch(() => undefined)
      return {
        async write(pcm) {
          if (pcm.length > 0) pieces.push(Buffer.from(pcm))
        },
        finish: () => transcribe(Buffer.concat(pieces), signal, onSegment),
      }
    },
    async close() {
      const loaded = context
      context = undefined
      if (loaded !== undefined) await (await loaded.catch(() => undefined))?.release()
    },
  }
}
