// The rating service of a running gateway: its database, the platform's calendar (read on each
// use, so a reload is seen), the configured settings, and the instance cases are reported to.
import type { Db } from '../store/db.ts'
import type { Config } from '../config/schema.ts'
import type { WorkingCalendar } from '../calendar/calendar.ts'
import { reportingInstance } from '../cases/reports.ts'
import { createRatingService, type RatingService } from './service.ts'

type Instances = Parameters<typeof reportingInstance>[1]

export function ratingServiceOf (platform: { db: Db, config: Config, instances: Instances, calendar: WorkingCalendar }): RatingService {
  return createRatingService({
    db: platform.db,
    calendar: () => platform.calendar,
    settings: platform.config.ratings,
    // Ratings go where the case's own steps are reported (cases.reportTo).
    reportTo: reportingInstance(platform.config, platform.instances),
  })
}
