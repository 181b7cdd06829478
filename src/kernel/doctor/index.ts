export type { DoctorCheck, DoctorReport } from './doctor-types.ts'
export { findExecutable } from './find-executable.ts'
export { runDoctor } from './run-doctor.ts'
