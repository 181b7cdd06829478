export { actionRoutes } from './action-routes.ts'
export { deadLetterRoutes } from './dead-letter-routes.ts'
export { memoryRoutes } from './memory-routes.ts'
