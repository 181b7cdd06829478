import assert from 'node:assert/strict'
import { test } from 'node:test'
import { bucketDelta, durationScaleMs, formatMs, histogramQuantile, parseHistograms } from './prometheus.ts'

const METRICS = `# HELP localhub_ttft_ms Seed 000 metric ttft_ms (milliseconds)
# TYPE localhub_ttft_ms histogram
localhub_ttft_ms_bucket{le="10",skill="a"} 1
localhub_ttft_ms_bucket{le="100",skill="a"} 3
localhub_ttft_ms_bucket{le="+Inf",skill="a"} 4
localhub_ttft_ms_bucket{skill="b",le="10"} 1
localhub_ttft_ms_bucket{skill="b",le="100"} 1
localhub_ttft_ms_bucket{skill="b",le="+Inf"} 1
localhub_ttft_ms_sum{skill="a"} 900
localhub_ttft_ms_sum{skill="b"} 5
localhub_ttft_ms_count{skill="a"} 4
localhub_ttft_ms_count{skill="b"} 1
# TYPE localhub_bus_published_total counter
localhub_bus_published_total{type="x"} 7
`

test('histograms are summed over label sets, per bound, in order', () => {
  const histograms = parseHistograms(METRICS)
  assert.deepEqual(Object.keys(histograms), ['localhub_ttft_ms'])
  assert.deepEqual(histograms.localhub_ttft_ms, {
    buckets: [
      [10, 2],
      [100, 4],
      [Number.POSITIVE_INFINITY, 5],
    ],
    count: 5,
    sum: 905,
  })
})

test('quantiles interpolate inside the bucket, as histogram_quantile does', () => {
  const buckets: [number, number][] = [
    [10, 2],
    [100, 4],
    [Number.POSITIVE_INFINITY, 4],
  ]
  // rank 2 of 4 is the top of the first bucket; rank 3.8 is 90 % into the second.
  assert.equal(histogramQuantile(buckets, 0.5), 10)
  assert.ok(Math.abs((histogramQuantile(buckets, 0.95) ?? 0) - 91) < 1e-9)
  assert.equal(histogramQuantile([[Number.POSITIVE_INFINITY, 0]], 0.5), undefined)
  // Everything above the last finite bound: reported as that bound.
  assert.equal(
    histogramQuantile(
      [
        [10, 0],
        [Number.POSITIVE_INFINITY, 3],
      ],
      0.95,
    ),
    10,
  )
})

test('the buckets one poll added, and milliseconds for people', () => {
  assert.deepEqual(
    bucketDelta(
      [
        [10, 3],
        [Number.POSITIVE_INFINITY, 5],
      ],
      [
        [10, 1],
        [Number.POSITIVE_INFINITY, 1],
      ],
    ),
    [
      [10, 2],
      [Number.POSITIVE_INFINITY, 4],
    ],
  )
  assert.equal(formatMs(0.42), '0.4 ms')
  assert.equal(formatMs(48.6), '49 ms')
  assert.equal(formatMs(1_250), '1.3 s')
  assert.equal(formatMs(undefined), '–')
  assert.equal(durationScaleMs('localhub_ttft_ms'), 1)
  assert.equal(durationScaleMs('localhub_http_request_duration_seconds'), 1_000)
  assert.equal(durationScaleMs('localhub_payload_bytes'), undefined)
})
