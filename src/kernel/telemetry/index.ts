export type { TracingHandle, TracingOptions } from './start-tracing.ts'
export { startTracing } from './start-tracing.ts'
export type { TraceExporterName, TracingEnvironment, TracingSettings } from './tracing-settings.ts'
export {
  DEFAULT_OTLP_ENDPOINT,
  DEFAULT_SERVICE_NAME,
  OTLP_TRACES_PATH,
  parseKeyValueList,
  tracingSettingsFromEnv,
} from './tracing-settings.ts'
