// In-process llama.cpp through @fugood/llama.node (prebuilt CPU binaries in per-platform npm
// packages; nothing is downloaded or built at install or run time — docs/decisions/0403).
import { stat } from 'node:fs/promises'
import { HubError } from '../../contracts/index.ts'
import { AsyncQueue } from './async-queue.ts'
import type { LlmConfig } from './config.ts'
import { checkGgufFile } from './gguf-check.ts'
import { runStream } from './stream-runner.ts'
import type { LlmChatRequest, LlmDelta, LlmHealth, LlmProvider } from './types.ts'

export const LLAMA_NODE_PACKAGE = '@fugood/llama.node'

/** Event-loop turns to wait for token callbacks that trail the completion's promise. */
export const DEFAULT_TOKEN_DRAIN_TURNS = 50

/** How the library refuses a completion while it thinks another one runs. */
const STALE_COMPLETION_MARK = /another completion is in progress/i

/** The part of @fugood/llama.node this provider uses (structural, so tests can pass a fake). */
export interface LlamaContextLike {
  completion(
    options: Record<string, unknown>,
    onToken: (token: { token: string; content?: string }) => void,
  ): Promise<{
    interrupted?: boolean
    context_full?: boolean
    text?: string
    timings?: { prompt_n?: number; predicted_n?: number }
  }>
  stopCompletion(): void
  release(): Promise<void>
}

export interface LlamaModuleLike {
  loadModel(options: Record<string, unknown>): Promise<LlamaContextLike>
}

export type LoadLlamaModule = () => Promise<LlamaModuleLike>

const INSTALL_HINT =
  `in-process llama.cpp needs the optional package ${LLAMA_NODE_PACKAGE} (prebuilt CPU binaries, nothing is ` +
  `downloaded at run time): run \`npm install ${LLAMA_NODE_PACKAGE}\`. node-llama-cpp is not used because ` +
  'it downloads or compiles llama.cpp binaries at install/run time'

/**
 * Builds a loader around `importModule`; a missing or unloadable package becomes
 * E_DEPENDENCY_UNAVAILABLE that says what to install and why this package.
 */
export function llamaNodeLoader(importModule: (specifier: string) => Promise<unknown>): LoadLlamaModule {
  return async () => {
    try {
      const module = (await importModule(LLAMA_NODE_PACKAGE)) as Partial<LlamaModuleLike> & {
        default?: LlamaModuleLike
      }
      const api = typeof module.loadModel === 'function' ? (module as LlamaModuleLike) : module.default
      if (api === undefined || typeof api.loadModel !== 'function')
        throw new Error('loadModel is not exported')
      return api
    } catch (error) {
      const notInstalled = (error as { code?: string })?.code === 'ERR_MODULE_NOT_FOUND'
      const why = notInstalled ? 'it is not installed' : `it failed to load (${(error as Error)?.message})`
      throw new HubError('E_DEPENDENCY_UNAVAILABLE', `${INSTALL_HINT}; ${why}`, {
        details: { package: LLAMA_NODE_PACKAGE, reason: 'package-missing', retryable: false },
        cause: error,
      })
    }
  }
}

export const loadLlamaNode: LoadLlamaModule = llamaNodeLoader((specifier) => import(specifier))

export interface LlamaCppProviderOptions {
  loadModule?: LoadLlamaModule
}

export function createLlamaCppProvider(
  config: LlmConfig,
  options: LlamaCppProviderOptions = {},
): LlmProvider {
  const ggufPath = config.ggufPath
  if (ggufPath === undefined) {
    throw new HubError(
      'E_VALIDATION',
      'the llamacpp provider needs ggufPath (a GGUF model file, e.g. data/models/x.gguf)',
      {
        details: {
          issues: [
            {
              path: '/ggufPath',
              expected: 'path to a .gguf file',
              got: 'undefined',
              message: 'ggufPath is required for provider llamacpp',
            },
          ],
        },
      },
    )
  }
  const loadModule = options.loadModule ?? loadLlamaNode
  let context: Promise<LlamaContextLike> | undefined
  // One context generates one answer at a time; later turns wait their turn.
  let queueTail: Promise<unknown> = Promise.resolve()

  async function ensureFile(): Promise<void> {
    try {
      const info = await stat(ggufPath as string)
      if (!info.isFile()) throw new Error('not a file')
    } catch (error) {
      throw new HubError(
        'E_DEPENDENCY_UNAVAILABLE',
        `GGUF model not found at ${ggufPath}; put a GGUF file there or set ggufPath`,
        {
          details: { path: ggufPath, reason: 'model-missing', retryable: false },
          cause: error,
        },
      )
    }
    await checkGgufFile(ggufPath as string)
  }

  function loadContext(): Promise<LlamaContextLike> {
    context ??= (async () => {
      await ensureFile()
      const module = await loadModule()
      try {
        return await module.loadModel({
          model: ggufPath,
          n_ctx: config.contextTokens,
          n_threads: config.threads,
          n_gpu_layers: 0,
        })
      } catch (error) {
        throw new HubError(
          'E_DEPENDENCY_UNAVAILABLE',
          `llama.cpp could not load ${ggufPath}: ${(error as Error)?.message}`,
          {
            details: { path: ggufPath, reason: 'model-load-failed', retryable: false },
            cause: error,
          },
        )
      }
    })()
    // A failed load is retried on the next turn (the file may have been fixed meanwhile).
    context.catch(() => {
      context = undefined
    })
    return context
  }

  /**
   * Starts a completion on the loaded context. @fugood/llama.node queues its native worker before it
   * registers the callback that clears its "in progress" mark, so a completion that finishes in
   * between (a short answer on a loaded machine) leaves the context refusing every later one with
   * "Another completion is in progress". This provider runs one completion at a time, so that
   * refusal means the mark is stale: the context is dropped unreleased (release() would write into
   * the freed worker) and the answer starts on a freshly loaded one (decision 2083).
   */
  async function startCompletion(
    settings: Record<string, unknown>,
    onToken: (token: { token: string }) => void,
  ): Promise<{ ctx: LlamaContextLike; completion: ReturnType<LlamaContextLike['completion']> }> {
    const loading = loadContext()
    const ctx = await loading
    try {
      return { ctx, completion: ctx.completion(settings, onToken) }
    } catch (error) {
      if (!STALE_COMPLETION_MARK.test((error as Error)?.message ?? '')) throw error
      if (context === loading) context = undefined
      const fresh = await loadContext()
      return { ctx: fresh, completion: fresh.completion(settings, onToken) }
    }
  }

  async function* generate(request: LlmChatRequest, signal: AbortSignal): AsyncGenerator<LlmDelta> {
    await loadContext()
    const previous = queueTail
    let release: () => void = () => {}
    queueTail = new Promise<void>((resolve) => {
      release = resolve
    })
    try {
      await previous
      if (signal.aborted) throw signal.reason
      const queue = new AsyncQueue<string>()
      const options = request.options ?? {}
      const settings: Record<string, unknown> = {
        messages: request.messages.map(({ role, content }) => ({ role, content })),
        n_predict: options.maxTokens ?? -1,
      }
      const temperature = options.temperature ?? config.temperature
      if (temperature !== undefined) settings.temperature = temperature
      if (options.topP !== undefined) settings.top_p = options.topP
      if (options.seed !== undefined) settings.seed = options.seed
      if (options.stop !== undefined) settings.stop = options.stop
      const started = performance.now()
      let streamed = 0
      let streamedText = ''
      const { ctx, completion } = await startCompletion(settings, (token) => {
        streamed++
        streamedText += token.token
        queue.push(token.token)
      })
      // Stopping is asked only while the completion runs: once it has settled the library may
      // still hold a pointer to its freed worker (see startCompletion), which a stop would write.
      let settled = false
      const stop = (): void => {
        if (!settled) ctx.stopCompletion()
      }
      signal.addEventListener('abort', stop, { once: true })
      if (signal.aborted) stop()
      completion.then(
        () => {
          settled = true
        },
        () => {
          settled = true
        },
      )
      completion.then(
        async (result) => {
          // Token callbacks cross over from llama.cpp's thread and can arrive after the promise
          // resolves (seen under load): give them a few turns of the event loop before ending.
          const expected = result.timings?.predicted_n ?? 0
          for (let turn = 0; turn < DEFAULT_TOKEN_DRAIN_TURNS && streamed < expected; turn++)
            await new Promise((resolve) => setImmediate(resolve))
          queue.end()
        },
        (error: unknown) => queue.fail(error),
      )
      try {
        for await (const text of queue) yield { type: 'token', text }
        const result = await completion
        // Whatever text the callbacks still did not deliver is not lost: the result carries it all.
        if (
          typeof result.text === 'string' &&
          result.text.length > streamedText.length &&
          result.text.startsWith(streamedText)
        ) {
          streamed++
          yield { type: 'token', text: result.text.slice(streamedText.length) }
        }
        if (signal.aborted || result.interrupted)
          throw signal.aborted ? signal.reason : new HubError('E_IO', 'llama.cpp generation was interrupted')
        const limitReached = options.maxTokens !== undefined && streamed >= options.maxTokens
        yield {
          type: 'done',
          model: request.model ?? config.model,
          finishReason: result.context_full || limitReached ? 'length' : 'stop',
          usage: {
            promptTokens: result.timings?.prompt_n ?? 0,
            completionTokens: streamed,
            totalDurationMs: performance.now() - started,
          },
        }
      } finally {
        signal.removeEventListener('abort', stop)
        stop()
        await completion.catch(() => undefined)
      }
    } finally {
      release()
    }
  }

  return {
    name: 'llamacpp',
    model: config.model,
    chat(request: LlmChatRequest, signal?: AbortSignal): AsyncIterable<LlmDelta> {
      return runStream((attemptSignal) => generate(request, attemptSignal), {
        ...config,
        maxRetries: 0,
        describeTarget: `llama.cpp (${ggufPath})`,
        target: ggufPath,
        signal,
      })
    },
    async health(): Promise<LlmHealth> {
      try {
        await loadContext()
        return { ok: true, provider: 'llamacpp', target: ggufPath }
      } catch (error) {
        const failure = error instanceof HubError ? error : new HubError('E_UNKNOWN', String(error))
        return {
          ok: false,
          provider: 'llamacpp',
          target: ggufPath,
          error: { code: failure.code, message: failure.message },
        }
      }
    },
    async close(): Promise<void> {
      const loaded = context
      context = undefined
      if (loaded !== undefined) await (await loaded.catch(() => undefined))?.release()
    },
  }
}
