// A matter catalogue: the service matters (政务服务事项) a government-services platform publishes
// for a town, pulled page by page like a record stream, but giving matter versions instead of
// records. The platform validates each against the model, keeps every version and its effective
// dates, and persists the cursor once a page is stored.
import type { z } from 'zod'
import type { DepartmentHttp } from './http.ts'
import type { Matter } from '../model/matter.ts'

export interface CataloguePage<C> {
  /** Matter versions, as the adapter mapped them; one that fails the model is reported, not stored. */
  matters: unknown[]
  cursor: C
  done: boolean
}

export interface CatalogueStream<C = unknown> {
  cursor: z.ZodType<C>
  initialCursor: () => C
  everyMs: number
  pageSize: number
  /** `town` is the 12-digit division code of the town whose catalogue is read. */
  fetchPage: (ctx: { http: DepartmentHttp, town: string, cursor: C, pageSize: number, signal: AbortSignal }) => Promise<CataloguePage<C>>
}

export type { Matter }
