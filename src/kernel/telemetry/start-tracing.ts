// Registers an OpenTelemetry SDK as the global tracer provider when the environment asks for one.
// The hub creates its spans through @opentelemetry/api only (chat.turn and its steps); without a
// registered provider they cost nothing and go nowhere. The SDK is loaded only when switched on.
import { trace } from '@opentelemetry/api'
import { type TracingEnvironment, type TracingSettings, tracingSettingsFromEnv } from './tracing-settings.ts'

export interface TracingHandle {
  readonly settings: TracingSettings
  /** Exports what is still buffered, then stops (call once, when the hub has closed). */
  shutdown(): Promise<void>
}

export interface TracingOptions {
  /** The variables to read (process.env for `localhub serve`). */
  env: TracingEnvironment
  /** Resource attribute service.version. */
  serviceVersion?: string
}

/**
 * Starts tracing as the OTEL_* variables in env say, or answers undefined when they ask for none.
 * Throws E_VALIDATION for settings the hub cannot honour (an unknown exporter, gRPC, a bad URL).
 * Registers the global tracer provider: one per process, like the SDK itself.
 */
export async function startTracing(options: TracingOptions): Promise<TracingHandle | undefined> {
  const { env, serviceVersion } = options
  const settings = tracingSettingsFromEnv(env)
  if (settings === undefined) return undefined
  const [sdk, resources] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/resources'),
  ])
  const spanProcessors = []
  if (settings.exporters.includes('otlp')) {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http')
    const exporter = new OTLPTraceExporter({
      url: settings.otlpUrl,
      headers: settings.otlpHeaders,
      ...(settings.otlpTimeoutMs === undefined ? {} : { timeoutMillis: settings.otlpTimeoutMs }),
    })
    spanProcessors.push(new sdk.BatchSpanProcessor(exporter))
  }
  if (settings.exporters.includes('console')) {
    spanProcessors.push(new sdk.SimpleSpanProcessor(new sdk.ConsoleSpanExporter()))
  }
  const provider = new sdk.NodeTracerProvider({
    resource: resources.defaultResource().merge(
      resources.resourceFromAttributes({
        ...(serviceVersion === undefined ? {} : { 'service.version': serviceVersion }),
        ...settings.resourceAttributes,
      }),
    ),
    spanProcessors,
  })
  provider.register()
  let stopped: Promise<void> | undefined
  return {
    settings,
    shutdown() {
      stopped ??= provider.shutdown().finally(() => trace.disable())
      return stopped
    },
  }
}
