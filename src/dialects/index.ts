export { ADAOS_CARRIER_HEADER } from './adaos.ts'
export type { Carrier } from './carrier.ts'
export {
  CLOUDEVENTS_DATA_CONTENT_TYPE,
  HUB_EXTENSIONS,
  META_EXTENSION,
  SOURCE_EXTENSION,
} from './cloudevents.ts'
export type { HttpBinaryMessage } from './cloudevents-http.ts'
export { decodeHeaderValue, encodeHeaderValue } from './cloudevents-http.ts'
export type { DialectConverter, DialectConverterOptions } from './converter.ts'
export { createDialectConverter, DEFAULT_DIALECT_MAX_DEPTH } from './converter.ts'
export { fromCanonical, fromHttpRequest, toCanonical, toHttpBinary } from './default-converter.ts'
export { DENIS_TYPE_ALIASES, denisChannelOf } from './denis.ts'
export { derivedUuid } from './derived-id.ts'
export type { DetectedDialect } from './detect.ts'
export { detectDialect } from './detect.ts'
export type { HttpConversionOptions, HttpEventRequest, HttpEventResult } from './http.ts'
export { DEFAULT_MAX_BODY_BYTES, DIALECT_CONTENT_TYPES } from './http.ts'
export { DEFAULT_PINCHY_AGENT_ID, DEFAULT_PINCHY_COMPONENT_TYPE } from './pinchy.ts'
export type { DialectName } from './types.ts'
export { DIALECTS, isDialectName } from './types.ts'
