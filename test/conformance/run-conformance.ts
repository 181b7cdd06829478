import { after, before, describe } from 'node:test'
import type { Bus, BusOptions } from '../../src/bus/index.ts'
import { deliveryTests } from './conformance-delivery.ts'
import { durabilityTests } from './conformance-durability.ts'
import { orderingTests } from './conformance-ordering.ts'
import { publishTests } from './conformance-publish.ts'
import { requestTests } from './conformance-request.ts'
import { subscribeTests } from './conformance-subscribe.ts'
import type { ConformanceFactory, ConformanceTarget } from './conformance-types.ts'

export type { ConformanceFactory, ConformanceTarget } from './conformance-types.ts'

/** What each group of tests gets: a fresh target per test (so tests never share a log) and cleanup. */
export interface SuiteContext {
  /** A fresh target and a bus on it; both are cleaned up after the suite. */
  fresh(options?: Partial<Omit<BusOptions, 'transport'>>): Promise<{ bus: Bus; target: ConformanceTarget }>
}

/**
 * The one conformance suite every transport must pass (DESIGN.md section 5). `makeFactory` is
 * called once per test to create an isolated target.
 */
export function runConformance(name: string, makeFactory: () => ConformanceFactory): void {
  describe(`bus conformance: ${name}`, () => {
    const targets: ConformanceTarget[] = []
    const buses: Bus[] = []
    let factory: ConformanceFactory
    before(() => {
      factory = makeFactory()
    })
    after(async () => {
      await Promise.allSettled(buses.map((bus) => bus.close()))
      await Promise.allSettled(targets.map((target) => target.cleanup()))
    })
    const context: SuiteContext = {
      async fresh(options) {
        const target = await factory()
        targets.push(target)
        const bus = await target.open(options)
        buses.push(bus)
        return { bus, target }
      },
    }
    publishTests(context)
    subscribeTests(context)
    deliveryTests(context)
    orderingTests(context)
    requestTests(context)
    durabilityTests(context)
  })
}
