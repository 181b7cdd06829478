/** Reported in system.boot.completed, /health and the compat APIs. */
export const HUB_VERSION = '0.1.0'
