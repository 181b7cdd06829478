export type { CommandGroup, CommandIo } from './io.ts'
export { main } from './main.ts'
