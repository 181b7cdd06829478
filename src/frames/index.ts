export { canonicalJson, manifestHash, sha256Hex } from './canonical-json.ts'
export type { FrameSessionOptions } from './frame-options.ts'
export { DEFAULT_PAYLOAD_THRESHOLD_CHARS } from './frame-options.ts'
export type { FrameSession } from './frame-session.ts'
export { createFrameSession } from './frame-session.ts'
export type { Frame, FrameIssue, FrameStream } from './frame-types.ts'
export type { FrameValidator } from './frame-validator.ts'
export { createFrameValidator } from './frame-validator.ts'
export { commandLineFlag, natsFramesAuthOf } from './nats-frame-auth.ts'
export type { HostNatsLink, NatsFrameStream, NatsFramesAuth } from './nats-frame-stream.ts'
export {
  connectFramesNats,
  framesSubjects,
  natsFrameStream,
  openHostNatsLink,
} from './nats-frame-stream.ts'
export { webSocketFrameStream } from './websocket-frame-stream.ts'
