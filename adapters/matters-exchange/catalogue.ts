// The province's matter catalogue (实施清单) of one town: `GET /api/v1/tasks`, one item per matter
// version, newest change last, pages of at most 100, each item mapped onto the platform's Matter.
import { z } from 'zod'
import { BEIJING, DepartmentUnavailableError, timeFormat, type CatalogueStream, type CataloguePage, type DepartmentHttp } from '../../src/adapter-sdk/index.ts'
import { dataOf, ID } from './codes.ts'

export const TASKS_PATH = '/api/v1/tasks'
/** Spec: pages of at most 100. */
export const MAX_PAGE_SIZE = 100

/** updateTime and updatedAfter: `YYYYMMDDHHmmss`, Beijing time. */
export const UPDATE_TIME = timeFormat('YYYYMMDDHHmmss', BEIJING)

/**
 * Where the next page starts: the last `updateTime` taken and how many items of exactly that time
 * were taken. `updatedAfter` is exclusive and counts whole seconds, so the next request asks from
 * one second earlier and drops the items of that time already taken: several versions changed in
 * one second are neither skipped nor repeated, however many there are.
 */
export const Cursor = z.object({
  updateTime: z.string().regex(/^\d{14}$/, 'YYYYMMDDHHmmss'),
  taken: z.number().int().min(0),
})
export type Cursor = z.infer<typeof Cursor>

/** A first run: everything after the epoch (Beijing time), nothing taken. */
export const initialCursor = (): Cursor => ({ updateTime: UPDATE_TIME.format(new Date(0)), taken: 0 })

const TASK_TYPES: Readonly<Record<string, string>> = { '01': 'licensing', '02': 'benefit', '07': 'confirmation', 10: 'other-power', 20: 'public-service' }
const STATES: Readonly<Record<string, string>> = { 1: 'in-force', 2: 'withdrawn' }
const LIMIT_UNITS: Readonly<Record<string, string>> = { 1: 'working-days', 2: 'calendar-days' }
const PROJECT_TYPES: Readonly<Record<string, string>> = { 1: 'immediate', 2: 'promised' }
const MATERIAL_FORMS: Readonly<Record<string, string>> = { 1: 'original', 2: 'copy', 3: 'electronic' }
const NEEDS: Readonly<Record<string, string>> = { 1: 'required', 2: 'as-the-case-may-be' }
const SOURCES: Readonly<Record<string, string>> = { 1: 'applicant', 2: 'sharing' }

type Item = Record<string, unknown>

const asItem = (value: unknown): Item => (typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Item : {})
const list = (value: unknown): Item[] => (Array.isArray(value) ? value.map(asItem) : [])
/** A code looked up in its table; an unknown code stays as sent, so the model refuses it by name. */
const coded = (table: Readonly<Record<string, string>>, value: unknown): unknown => {
  const key = value === undefined || value === null ? '' : String(value)
  return Object.hasOwn(table, key) ? table[key] : value
}
const text = (value: unknown): string => (value === undefined || value === null ? '' : String(value))
const optionalText = (value: unknown): string | undefined => (value === undefined || value === null || value === '' ? undefined : String(value))
/** Counts come as numbers or digit strings. */
const count = (value: unknown): unknown => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value)
const flag = (value: unknown): boolean => value === true || value === 1 || value === '1'

const limit = (amount: unknown, unit: unknown): unknown => ({ amount: count(amount), unit: coded(LIMIT_UNITS, unit) })

/**
 * One catalogue item as the platform's Matter (src/model/matter.ts). Unknown codes and bad values
 * are passed on as sent, an unreadable updateTime left out: the platform validates every matter
 * and reports the one that fails.
 */
export function toMatter (value: unknown): Record<string, unknown> {
  const item = asItem(value)
  const updatedAt = UPDATE_TIME.parse(text(item.updateTime))
  const until = optionalText(item.planCancelDate)
  return {
    taskHandleItem: item.taskHandleItem,
    taskCode: item.taskCode,
    catalogCode: item.catalogCode,
    name: item.taskName,
    type: coded(TASK_TYPES, item.taskType),
    version: count(item.taskVersion),
    state: coded(STATES, item.taskState),
    effectiveFrom: item.planEffectiveDate,
    ...(until === undefined ? {} : { effectiveUntil: until }),
    department: { name: item.deptName, creditCode: item.deptCode },
    entrusted: flag(item.entrust),
    legalBasis: text(item.byLaw),
    legalLimit: limit(item.anticipateDay, item.anticipateType),
    promisedLimit: limit(item.promiseDay, item.promiseType),
    projectType: coded(PROJECT_TYPES, item.projectType),
    visits: count(item.limitSceneNum),
    fees: flag(item.isFee)
      ? list(item.fees).map((f) => ({ name: f.feeName, standard: text(f.feeStand), ...(optionalText(f.byLaw) === undefined ? {} : { legalBasis: text(f.byLaw) }) }))
      : [],
    acceptConditions: text(item.acceptCondition),
    materials: list(item.materials).map((m) => ({
      name: m.materialName,
      form: coded(MATERIAL_FORMS, m.materialType),
      need: coded(NEEDS, m.isNeed),
      source: coded(SOURCES, m.sourceType),
      ...(m.pageNum === undefined || m.pageNum === null || m.pageNum === '' ? {} : { pages: count(m.pageNum) }),
      ...(optionalText(m.fillExplain) === undefined ? {} : { explain: text(m.fillExplain) }),
    })),
    forms: list(item.forms).map((form) => ({
      name: form.formName,
      fields: list(form.fields).map((f) => ({
        name: f.name,
        label: f.label,
        type: f.type,
        required: flag(f.required),
        ...(Array.isArray(f.options) ? { options: f.options.map(String) } : {}),
      })),
    })),
    place: text(item.transactAddr),
    hours: text(item.transactTime),
    contact: text(item.linkWay),
    supervision: text(item.superviseWay),
    // The catalogue sometimes sends one taskVersion twice with different content: both go out,
    // and the platform keeps the one with the later updatedAt (the spec: the later updateTime wins).
    ...(updatedAt === undefined ? {} : { updatedAt: updatedAt.toISOString() }),
  }
}

/** The 9-digit town code the platform wants, from the configured 12-digit division code. */
export function areaCode (town: string): string {
  if (!/^\d{9}(\d{3})?$/.test(town)) throw new TypeError(`${ID}: town ${town} is no 9- or 12-digit division code`)
  return town.slice(0, 9)
}

/** Where a page starts, as the platform reads it: from one second before the cursor's time, past what was taken there. */
function pageRequest (cursor: Cursor, pageSize: number): { query: Record<string, string | number>, drop: number } {
  const at = UPDATE_TIME.parse(cursor.updateTime)
  if (at === undefined) throw new TypeError(`${ID}: the catalogue cursor's updateTime ${cursor.updateTime} is no time`)
  const before = cursor.taken > 0 ? UPDATE_TIME.format(new Date(at.getTime() - 1000)) : cursor.updateTime
  return {
    query: { updatedAfter: before, pageNo: Math.floor(cursor.taken / pageSize) + 1, pageSize },
    drop: cursor.taken % pageSize,
  }
}

/** The cursor after taking `items`, in the order served. */
export function cursorAfter (cursor: Cursor, items: readonly Item[]): Cursor {
  let { updateTime, taken } = cursor
  for (const item of items) {
    const time = text(item.updateTime)
    if (time === updateTime) taken++
    else if (/^\d{14}$/.test(time) && time > updateTime) { updateTime = time; taken = 1 }
  }
  return { updateTime, taken }
}

export async function fetchTasks (ctx: { http: DepartmentHttp, town: string, cursor: Cursor, pageSize: number }): Promise<CataloguePage<Cursor>> {
  const pageSize = Math.min(Math.max(1, Math.floor(ctx.pageSize)), MAX_PAGE_SIZE)
  const { query, drop } = pageRequest(ctx.cursor, pageSize)
  const data = asItem(dataOf(await ctx.http.json<unknown>({ path: TASKS_PATH, query: { areaCode: areaCode(ctx.town), ...query } })))
  if (!Array.isArray(data.list)) throw new DepartmentUnavailableError(ID, 'the tasks answer has no data.list')
  const served = list(data.list)
  const items = served.slice(drop)
  return { matters: items.map(toMatter), cursor: cursorAfter(ctx.cursor, items), done: served.length < pageSize }
}

export const catalogue: CatalogueStream<Cursor> = {
  cursor: Cursor,
  initialCursor,
  everyMs: 300_000,
  pageSize: MAX_PAGE_SIZE,
  fetchPage: async ({ http, town, cursor, pageSize }) => await fetchTasks({ http, town, cursor, pageSize }),
}
