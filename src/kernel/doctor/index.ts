export type { DoctorCheck, DoctorReport } from './doctor-types.ts'
export { runDoctor } from './run-doctor.ts'
