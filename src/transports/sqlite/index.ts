export type { SqliteTransportOptions } from './sqlite-transport.ts'
export { sqliteTransport } from './sqlite-transport.ts'
