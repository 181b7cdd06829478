import { HubError } from '../../contracts/index.ts'
import { DEFAULT_MANIFEST_PATH, HUB_VERSION, openHub } from '../../kernel/index.ts'
import { startTracing, type TracingHandle } from '../../kernel/telemetry/index.ts'
import { parseArgs } from '../args.ts'
import { printedHelp } from '../help.ts'
import { inputFilePath } from '../input-file.ts'
import { type CommandGroup, writeLine } from '../io.ts'
import { wholeNumberFlag } from '../number-flag.ts'
import { DATA_DIR_HELP, dataDirFor } from './data-dir.ts'

const USAGE = `usage: localhub serve [options]

  --data DIR          data directory (${DATA_DIR_HELP})
  --manifest FILE     hub manifest (default manifests/default.yaml)
  --host HOST         address to bind (default 127.0.0.1; anything else exposes the hub)
  --port PORT         port (default 8000; 0 picks a free one)
  --ollama-host URL   Ollama server (overrides OLLAMA_HOST and the manifest)
  --llm-provider P    ollama | openai | llamacpp
  --model NAME        model name
  --gguf FILE         GGUF model file for the in-process llama.cpp provider
  --bus BUS           sqlite | memory | nats://HOST:PORT[,…] (overrides LOCALHUB_BUS and the
                      manifest's bus: section; default sqlite in the data directory)
  --hub-id ID         this hub's id on NATS (subjects hub.<ID>.>; overrides LOCALHUB_HUB_ID)
  --memory-bus        keep events in memory only (same as --bus memory)
  --log-level LEVEL   fatal | error | warn | info | debug | trace | silent (default info)

Tracing: OTEL_TRACES_EXPORTER=otlp|console and OTEL_EXPORTER_OTLP_ENDPOINT export the hub's spans
(OTLP/HTTP JSON); see docs/telemetry.md.`

const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])

export const run: CommandGroup = async (args, io) => {
  let values: Record<string, string | boolean | undefined>
  try {
    ;({ values } = parseArgs({
      args,
      options: {
        data: { type: 'string' },
        manifest: { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        'ollama-host': { type: 'string' },
        'llm-provider': { type: 'string' },
        model: { type: 'string' },
        gguf: { type: 'string' },
        bus: { type: 'string' },
        'hub-id': { type: 'string' },
        'memory-bus': { type: 'boolean' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }))
  } catch (error) {
    writeLine(io.stderr, `localhub serve: ${(error as Error).message}\n\n${USAGE}`)
    return 2
  }
  if (printedHelp(values, io, USAGE)) return 0
  let port: number | undefined
  try {
    port =
      values.port === undefined
        ? undefined
        : wholeNumberFlag(String(values.port), '--port', { min: 0, max: 65535 })
  } catch (error) {
    writeLine(io.stderr, `localhub serve: ${(error as Error).message}`)
    return 2
  }
  const level = (values['log-level'] as string | undefined) ?? 'info'
  if (!LOG_LEVELS.has(level)) {
    writeLine(io.stderr, `localhub serve: --log-level must be one of ${[...LOG_LEVELS].join(', ')}`)
    return 2
  }
  const provider = values['llm-provider'] as string | undefined
  if (provider !== undefined && !['ollama', 'openai', 'llamacpp'].includes(provider)) {
    writeLine(io.stderr, 'localhub serve: --llm-provider must be ollama, openai or llamacpp')
    return 2
  }
  if (values['memory-bus'] && values.bus !== undefined && values.bus !== 'memory') {
    writeLine(io.stderr, 'localhub serve: --memory-bus and --bus name two different buses; give one')
    return 2
  }
  const busFlags = {
    ...(values.bus === undefined ? {} : { bus: String(values.bus) }),
    ...(values['hub-id'] === undefined ? {} : { hubId: String(values['hub-id']) }),
  }
  const llmFlags = {
    ...(provider === undefined ? {} : { provider: provider as 'ollama' | 'openai' | 'llamacpp' }),
    ...(values['ollama-host'] === undefined ? {} : { baseUrl: String(values['ollama-host']) }),
    ...(values.model === undefined ? {} : { model: String(values.model) }),
    ...(values.gguf === undefined ? {} : { ggufPath: String(values.gguf) }),
  }
  // Before the hub opens, so its spans have a provider from the first turn on.
  let tracing: TracingHandle | undefined
  try {
    tracing = await startTracing({ env: io.env, serviceVersion: HUB_VERSION })
  } catch (error) {
    const failure = error instanceof HubError ? error : new HubError('E_UNKNOWN', String(error))
    writeLine(io.stderr, `localhub serve: tracing: ${failure.code}: ${failure.message}`)
    return 1
  }
  for (const warning of tracing?.settings.warnings ?? [])
    writeLine(io.stderr, `localhub serve: tracing: ${warning}`)
  if (tracing !== undefined) {
    const { exporters, otlpUrl } = tracing.settings
    writeLine(
      io.stdout,
      `Tracing: ${exporters.map((name) => (name === 'otlp' ? `otlp → ${otlpUrl}` : name)).join(', ')}`,
    )
  }
  let hub: Awaited<ReturnType<typeof openHub>>
  try {
    // A directory or a missing file is named here; the loader's read said only "EISDIR".
    if (values.manifest !== undefined) inputFilePath(String(values.manifest), io.cwd)
    hub = await openHub({
      dataDir: dataDirFor(values.data as string | undefined, io),
      manifestPath: (values.manifest as string | undefined) ?? DEFAULT_MANIFEST_PATH,
      ...(values.host === undefined ? {} : { host: String(values.host) }),
      ...(port === undefined ? {} : { port }),
      ...(values['memory-bus'] ? { transport: 'memory' as const } : {}),
      bus: busFlags,
      env: io.env,
      llmFlags,
      logger: { level: level as 'info', stream: io.stderr },
    })
  } catch (error) {
    const failure = error instanceof HubError ? error : new HubError('E_UNKNOWN', String(error))
    writeLine(io.stderr, `localhub serve: ${failure.code}: ${failure.message}`)
    for (const issue of failure.details?.issues ?? [])
      writeLine(io.stderr, `  ${issue.path || '/'}: ${issue.message}`)
    await tracing?.shutdown()
    return 1
  }
  // Listening before the URL is printed: whoever reads the URL may stop the hub at once, and that
  // SIGTERM must close it cleanly rather than kill it.
  const stopRequested = new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve()
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
  writeLine(io.stdout, `Local Hub is running at ${hub.url}`)
  writeLine(io.stdout, `Open the dashboard (this URL logs you in; keep it private): ${hub.loginUrl}`)
  writeLine(
    io.stdout,
    `Data: ${hub.dataDir} · Bus: ${hub.bus.transportName} ${hub.bus.subjectPrefix} · LLM: ${hub.model === undefined ? 'none' : `${hub.model.name} ${hub.model.model ?? ''}`} · stop with Ctrl+C`,
  )
  await stopRequested
  writeLine(io.stdout, 'Stopping: finishing open turns and flushing the event log…')
  await hub.close()
  // After the hub: the last turns' spans are flushed to the exporter before the process ends.
  await tracing?.shutdown()
  return 0
}
