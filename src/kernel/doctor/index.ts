export type { CheckStatus, DoctorCheck, DoctorReport } from './doctor-types.ts'
export {
  DEFAULT_DOCTOR_TIMEOUT_MS,
  DEFAULT_LOW_FREE_BYTES,
  DEFAULT_MIN_FREE_BYTES,
  MINIMUM_NODE_VERSION,
} from './doctor-types.ts'
export { findExecutable } from './find-executable.ts'
export type { DoctorOptions } from './run-doctor.ts'
export { runDoctor } from './run-doctor.ts'
export { checkDataDir, checkNode, checkPort } from './system-checks.ts'
export { DEFAULT_NATS_URL, natsUrlOf, SPEECH_TOOLS } from './tool-checks.ts'
