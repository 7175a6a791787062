// The evaluation (考评) through the API: per department and Beijing month the figures of
// src/evaluation/formulas.ts with their numerators, denominators and formulas; the same monthly
// table as CSV for Excel; the hotline's 三率 per month. A town leader reads its town, a county
// admin its county (or one of its towns). Figures are aggregates of the departments' work, no
// resident's data, so reading them is not audited.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Platform } from '../../platform.ts'
import { TongbanError } from '../../errors.ts'
import { divisionPrefix } from '../../auth/access.ts'
import { MAX_MONTHS, MONTH, beijingMonth, evaluate, evaluateHotline, evaluationCsv, monthsOf } from '../../evaluation/evaluate.ts'
import { COUNTING_NOTE, HOTLINE_NOTE } from '../../evaluation/formulas.ts'
import { errorResponses } from '../errors.ts'
import { scopeOf } from '../scope.ts'

const Month = z.string().regex(MONTH, 'a month YYYY-MM')

const Query = z.object({
  town: z.string().regex(/^\d{12}$/, 'a 12-digit town code').optional().describe('one town of your scope; absent: your whole scope'),
  county: z.string().regex(/^\d{6}(\d{6})?$/, 'a 6-digit county code (or its 12-digit form)').optional().describe("a county admin's county (the default)"),
  from: Month.optional().describe('first Beijing month (default: January of the current year)'),
  to: Month.optional().describe('last Beijing month, included (default: the current month)'),
  lang: z.enum(['en', 'zh']).default('en').describe('language of the figure names and formulas'),
})
type Query = z.infer<typeof Query>

const Figure = z.object({
  key: z.string(),
  name: z.string(),
  value: z.number().nullable().describe('a share 0–1 (rates) or the average (hours, rating); null without a denominator'),
  numerator: z.number(),
  denominator: z.number(),
  formula: z.string().describe('name = numerator ÷ denominator, as computed'),
}).meta({ id: 'EvaluationFigure' })

const DepartmentFigures = z.object({
  month: z.string().nullable().describe('YYYY-MM; null in totals (the whole period)'),
  department: z.string(),
  departmentName: z.string(),
  figures: z.array(Figure),
}).meta({ id: 'EvaluationRow' })

const EvaluationAnswer = z.object({
  from: z.string(),
  to: z.string(),
  prefix: z.string().describe('the division prefix evaluated (a town or a county)'),
  note: z.string().describe('which month a whistle counts in, which deadline an answer is held to'),
  rows: z.array(DepartmentFigures).describe('per department and month with whistles'),
  totals: z.array(DepartmentFigures).describe('per department for the whole period'),
})

const HotlineAnswer = z.object({
  from: z.string(),
  to: z.string(),
  prefix: z.string(),
  note: z.string(),
  rows: z.array(z.object({ month: z.string(), town: z.string().nullable().describe('null: all the towns of the scope together'), figures: z.array(Figure) })),
})

interface Resolved { prefix: string, from: string, to: string }

/** The division asked for, within the caller's scope, and the period (at most MAX_MONTHS months). */
function resolve (req: FastifyRequest, q: Query): Resolved {
  const scope = scopeOf(req)
  const asked = q.town ?? (q.county === undefined ? undefined : q.county.slice(0, 6).padEnd(12, '0'))
  const prefix = asked === undefined ? scope.prefix : divisionPrefix(asked)
  if (!prefix.startsWith(scope.prefix)) throw new TongbanError('TB_TOWN_OUT_OF_SCOPE', [asked, scope.prefix])
  const to = q.to ?? beijingMonth()
  const from = q.from ?? `${to.slice(0, 4)}-01`
  const months = monthsOf(from, to).length
  if (months === 0 || months > MAX_MONTHS) throw new TongbanError('TB_VALIDATION', [`querystring: from ${from} to ${to} must be 1 to ${MAX_MONTHS} months, from not after to`])
  return { prefix, from, to }
}

export async function evaluationRoutes (app: FastifyInstance, opts: { platform: Platform }): Promise<void> {
  const { platform } = opts
  const { db } = platform
  const api = app.withTypeProvider<ZodTypeProvider>()
  const names = new Map(platform.config.whistles.departments.map((d) => [d.code, d.name]))

  api.get('/evaluation', {
    config: { permission: 'evaluation:read' },
    schema: {
      summary: 'The departments\' evaluation (考评) per month',
      description: 'Computed from the stored whistle events for the period (Beijing months, `to` included). Each figure carries its numerator, denominator and formula. A whistle counts in the month it opened.',
      tags: ['evaluation'],
      querystring: Query,
      response: { 200: EvaluationAnswer, ...errorResponses('TB_TOWN_OUT_OF_SCOPE', 'TB_VALIDATION') },
    },
  }, async (req) => {
    const r = resolve(req, req.query)
    return { ...await evaluate(db, { ...r, names, lang: req.query.lang }), note: COUNTING_NOTE[req.query.lang] }
  })

  api.get('/evaluation.csv', {
    config: { permission: 'evaluation:read' },
    schema: {
      summary: 'The monthly evaluation table as CSV (Excel)',
      description: 'UTF-8 with a byte-order mark, CRLF: one row per department and month, then the period\'s totals, then the formulas. Each figure as value, numerator, denominator. `lang=zh` (default here) gives Chinese headers.',
      tags: ['evaluation'],
      // No response schema: the answer is text, not JSON (refusals are the usual error JSON: TB_TOWN_OUT_OF_SCOPE, TB_VALIDATION).
      querystring: Query.extend({ lang: z.enum(['en', 'zh']).default('zh') }),
    },
  }, async (req, reply) => {
    const r = resolve(req, req.query)
    const e = await evaluate(db, { ...r, names, lang: req.query.lang })
    return await reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="evaluation-${r.prefix}-${r.from}-${r.to}.csv"`)
      .send(evaluationCsv(e, req.query.lang))
  })

  api.get('/evaluation/hotline', {
    config: { permission: 'evaluation:read' },
    schema: {
      summary: 'The 12345 hotline\'s 三率 per month',
      description: 'From the stored order events: 响应率 (signed by the sign deadline / dispatched), 解决率 (solved at the last revisit / revisited), 满意率 (revisit rated 4 or 5 / revisited). An order counts in the month it was dispatched.',
      tags: ['evaluation'],
      querystring: Query.omit({ county: true }),
      response: { 200: HotlineAnswer, ...errorResponses('TB_TOWN_OUT_OF_SCOPE', 'TB_VALIDATION') },
    },
  }, async (req) => {
    const r = resolve(req, req.query)
    return { ...r, note: HOTLINE_NOTE[req.query.lang], rows: await evaluateHotline(db, { ...r, lang: req.query.lang }) }
  })
}
