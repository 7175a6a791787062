// The pull maps a page a slice at a time: the same records and rejections, in the same order, as
// mapping it at once, with the event loop let through between slices.
import t from 'tap'
import marketRegulation, { toRawRecord } from '../adapters/market-regulation/adapter.ts'
import { enterprisesBetween } from '../adapters/market-regulation/data.ts'
import { mapBatch, mapBatchInSlices } from '../src/pipeline/map.ts'

const raws = enterprisesBetween(1, 0, 500).map((row) => toRawRecord(row, new Date('2026-12-01T00:00:00Z')))

t.test('slices give what one pass gives', async (t) => {
  const whole = mapBatch(marketRegulation, raws)
  t.ok(whole.rejections.length > 0, 'the page has records to quarantine too')
  for (const slice of [1, 7, 50, 500, 1000]) t.same(await mapBatchInSlices(marketRegulation, raws, slice), whole, `slices of ${slice}`)
  t.same(await mapBatchInSlices(marketRegulation, []), { records: [], rejections: [] }, 'an empty page')
})

t.test('I/O waiting meanwhile runs between slices', async (t) => {
  let turns = 0
  const count = setImmediate(function again () { turns++; if (turns < 1000) setImmediate(again) })
  await mapBatchInSlices(marketRegulation, raws, 10)
  clearImmediate(count)
  t.ok(turns >= 40, `the event loop turned between the 50 slices (${turns} turns)`)
})
