import type { FastifyInstance } from 'fastify'
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

const DURATION_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

export interface ServerMetrics {
  wsEventsSent: Counter<'kind'>
  wsEventsDropped: Counter<'reason'>
  wsClosedSlow: Counter
  chatsActive: Gauge
  /** The hub's share of a POST /chat turn's time to first token, by phase (before_model, after_first_token). */
  chatKernelMs: Histogram<'phase'>
}

// Sub-millisecond buckets: issue 17's budget for the hub's share of the first token is 2 ms.
const KERNEL_BUCKETS_MS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 25, 100]

/** Registers the server's metrics on `registry` (one server per registry: names must be unique). */
export function createServerMetrics(
  registry: Registry,
  probes: { wsClients: () => number; wsBufferedBytes: () => number },
): ServerMetrics {
  const registers = [registry]
  new Gauge({
    name: 'localhub_ws_clients',
    help: 'Open WebSocket connections',
    registers,
    collect() {
      this.set(probes.wsClients())
    },
  })
  new Gauge({
    name: 'localhub_ws_buffered_bytes',
    help: 'Bytes queued for all WebSocket clients and not yet handed to the kernel',
    registers,
    collect() {
      this.set(probes.wsBufferedBytes())
    },
  })
  return {
    wsEventsSent: new Counter({
      name: 'localhub_ws_events_sent_total',
      help: 'Events sent to WebSocket clients',
      labelNames: ['kind'],
      registers,
    }),
    wsEventsDropped: new Counter({
      name: 'localhub_ws_events_dropped_total',
      help: 'Ephemeral events not sent to a slow WebSocket client',
      labelNames: ['reason'],
      registers,
    }),
    wsClosedSlow: new Counter({
      name: 'localhub_ws_closed_slow_total',
      help: 'WebSocket clients closed because they fell behind on stored events',
      registers,
    }),
    chatsActive: new Gauge({ name: 'localhub_chat_active', help: 'POST /chat turns in flight', registers }),
    chatKernelMs: new Histogram({
      name: 'localhub_chat_kernel_ms',
      help: 'Time the hub itself adds to a POST /chat first token: arrival to model request (before_model), first token read to its frame written (after_first_token)',
      labelNames: ['phase'],
      buckets: KERNEL_BUCKETS_MS,
      registers,
    }),
  }
}

/** Counts and times every HTTP request by method, route pattern (not raw URL) and status. */
export function installHttpMetrics(app: FastifyInstance, registry: Registry): void {
  const registers = [registry]
  const requests = new Counter({
    name: 'localhub_http_requests_total',
    help: 'HTTP requests answered',
    labelNames: ['method', 'route', 'status'],
    registers,
  })
  const durations = new Histogram({
    name: 'localhub_http_request_duration_seconds',
    help: 'Time from request to the end of the response',
    labelNames: ['method', 'route', 'status'],
    buckets: DURATION_BUCKETS_SECONDS,
    registers,
  })
  app.addHook('onResponse', async (request, reply) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unknown',
      status: String(reply.statusCode),
    }
    requests.inc(labels)
    durations.observe(labels, reply.elapsedTime / 1000)
  })
}
