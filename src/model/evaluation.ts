// What the evaluation (考评) counts, per department and month and for the hotline: the store
// computes these counts from events, src/evaluation/formulas.ts turns them into figures.
/** The counts the store gives for one department (and month), all from whistle events. */
export interface DepartmentCounts {
  /** Departments summoned by whistles opened in the month (one per whistle and department). */
  whistled: number
  respondedInTime: number
  arrivedInTime: number
  arrived: number
  /** Sum over the arrived ones of the hours from summons to 报到. */
  arriveHours: number
  done: number
  doneInTime: number
  returned: number
  /** Closed whistles with a rating that summoned the department, and the sum of their ratings. */
  rated: number
  ratingSum: number
}

/** The counts the store gives for the hotline's orders of one town (and month). */
export interface HotlineCounts {
  dispatched: number
  signedInTime: number
  revisited: number
  solved: number
  satisfied: number
}
