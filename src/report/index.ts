/** @module Public surface of report/: the stdout table, the stderr progress bar, the HTML report. */

export { type ReportMeta, renderHtmlReport } from './html.js'
export {
  createProgress,
  type Progress,
  type ProgressOptions,
  type ProgressStream,
} from './progress.js'
export { formatRunFooter, formatSummaryTable, type TableOptions } from './table.js'
export { writeReport } from './write.js'
