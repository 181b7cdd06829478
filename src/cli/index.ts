export { main } from './main.ts'
export type { CommandGroup, CommandIo } from './io.ts'
