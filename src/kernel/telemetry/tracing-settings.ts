// Which trace exporter the standard OTEL_* variables ask for. Only a small, documented subset of
// the OpenTelemetry environment specification is read (docs/telemetry.md); values the hub cannot
// honour are refused with a clear error instead of exporting somewhere else (decision 1346).
import { HubError } from '../../contracts/index.ts'

/** service.name when neither OTEL_SERVICE_NAME nor OTEL_RESOURCE_ATTRIBUTES names one. */
export const DEFAULT_SERVICE_NAME = 'localhub'
/** The OTLP/HTTP endpoint of a collector on this machine (the specification's default). */
export const DEFAULT_OTLP_ENDPOINT = 'http://localhost:4318'
export const OTLP_TRACES_PATH = '/v1/traces'

export type TraceExporterName = 'otlp' | 'console'

export interface TracingSettings {
  exporters: TraceExporterName[]
  /** Where OTLP/HTTP JSON is posted (full URL including /v1/traces). */
  otlpUrl: string
  otlpHeaders: Record<string, string>
  otlpTimeoutMs: number | undefined
  resourceAttributes: Record<string, string>
  /** Things that work, but not as the variables may have meant (printed once at start). */
  warnings: string[]
}

export type TracingEnvironment = Readonly<Record<string, string | undefined>>

function present(env: TracingEnvironment, name: string): string | undefined {
  const value = env[name]?.trim()
  return value === undefined || value === '' ? undefined : value
}

/** `key1=value1,key2=value2` with percent-encoded values (OTEL_RESOURCE_ATTRIBUTES, *_HEADERS). */
export function parseKeyValueList(text: string | undefined, variable: string): Record<string, string> {
  const result: Record<string, string> = {}
  for (const item of (text ?? '').split(',')) {
    if (item.trim() === '') continue
    const separator = item.indexOf('=')
    if (separator <= 0) throw new HubError('E_VALIDATION', `${variable}: '${item.trim()}' is not key=value`)
    try {
      result[decodeURIComponent(item.slice(0, separator).trim())] = decodeURIComponent(
        item.slice(separator + 1).trim(),
      )
    } catch {
      throw new HubError('E_VALIDATION', `${variable}: '${item.trim()}' has a bad percent-encoding`)
    }
  }
  return result
}

function exportersOf(env: TracingEnvironment): TraceExporterName[] {
  const named = present(env, 'OTEL_TRACES_EXPORTER')
  if (named === undefined) {
    const endpoint =
      present(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ?? present(env, 'OTEL_EXPORTER_OTLP_ENDPOINT')
    return endpoint === undefined ? [] : ['otlp']
  }
  const names = [...new Set(named.split(',').map((name) => name.trim().toLowerCase()))].filter(
    (name) => name !== '',
  )
  if (names.includes('none')) return []
  for (const name of names) {
    if (name !== 'otlp' && name !== 'console') {
      throw new HubError(
        'E_VALIDATION',
        `OTEL_TRACES_EXPORTER=${named}: '${name}' is not supported; use otlp, console or none`,
      )
    }
  }
  return names as TraceExporterName[]
}

function otlpUrlOf(env: TracingEnvironment): string {
  const signal = present(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT')
  const base = present(env, 'OTEL_EXPORTER_OTLP_ENDPOINT')
  // The per-signal variable is the whole URL; the general one gets the signal's path appended.
  const url = signal ?? `${(base ?? DEFAULT_OTLP_ENDPOINT).replace(/\/+$/, '')}${OTLP_TRACES_PATH}`
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new HubError('E_VALIDATION', `the OTLP traces endpoint '${url}' is not a URL`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new HubError('E_VALIDATION', `the OTLP traces endpoint '${url}' must be http:// or https://`)
  }
  return parsed.href
}

function timeoutOf(env: TracingEnvironment): number | undefined {
  const text = present(env, 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT') ?? present(env, 'OTEL_EXPORTER_OTLP_TIMEOUT')
  if (text === undefined) return undefined
  const value = Number(text)
  if (!Number.isInteger(value) || value <= 0) {
    throw new HubError('E_VALIDATION', `the OTLP timeout must be whole milliseconds, got '${text}'`)
  }
  return value
}

/**
 * The tracing the environment asks for, or undefined when it asks for none: OTEL_SDK_DISABLED=true,
 * OTEL_TRACES_EXPORTER=none, or neither OTEL_TRACES_EXPORTER nor an OTLP endpoint set.
 */
export function tracingSettingsFromEnv(env: TracingEnvironment): TracingSettings | undefined {
  if (present(env, 'OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return undefined
  const exporters = exportersOf(env)
  if (exporters.length === 0) return undefined
  const warnings: string[] = []
  let otlpUrl = ''
  let otlpHeaders: Record<string, string> = {}
  let otlpTimeoutMs: number | undefined
  if (exporters.includes('otlp')) {
    const protocol =
      present(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? present(env, 'OTEL_EXPORTER_OTLP_PROTOCOL')
    if (protocol === 'grpc') {
      throw new HubError(
        'E_VALIDATION',
        'OTLP over gRPC is not supported; point the endpoint at the collector’s OTLP/HTTP port (usually 4318) and set OTEL_EXPORTER_OTLP_PROTOCOL=http/json',
      )
    }
    if (protocol !== undefined && protocol !== 'http/json') {
      // Collectors take JSON on the same /v1/traces route, so exporting still works.
      warnings.push(
        `OTEL_EXPORTER_OTLP_PROTOCOL=${protocol}: Local Hub exports OTLP/HTTP as JSON (http/json)`,
      )
    }
    otlpUrl = otlpUrlOf(env)
    otlpHeaders = {
      ...parseKeyValueList(env.OTEL_EXPORTER_OTLP_HEADERS, 'OTEL_EXPORTER_OTLP_HEADERS'),
      ...parseKeyValueList(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'),
    }
    otlpTimeoutMs = timeoutOf(env)
  }
  const resourceAttributes = {
    'service.name': DEFAULT_SERVICE_NAME,
    ...parseKeyValueList(env.OTEL_RESOURCE_ATTRIBUTES, 'OTEL_RESOURCE_ATTRIBUTES'),
    ...(present(env, 'OTEL_SERVICE_NAME') === undefined
      ? {}
      : { 'service.name': present(env, 'OTEL_SERVICE_NAME')! }),
  }
  return { exporters, otlpUrl, otlpHeaders, otlpTimeoutMs, resourceAttributes, warnings }
}
