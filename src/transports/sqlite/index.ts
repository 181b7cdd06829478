export { sqliteTransport } from './sqlite-transport.ts'
export type { SqliteTransportOptions } from './sqlite-transport.ts'
