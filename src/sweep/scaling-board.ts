/**
 * @module The scaling study's arithmetic: each scaler's runs across its knob (one trade-off curve
 * of GPU-hours against SLO attainment), the cheapest frontier of each curve, and what each
 * scaler costs at the attainment Knative's defaults reach, so "how much does X save over KPA"
 * is read at equal service, not at whatever attainment each happened to land on.
 */

/** ScalingRun is one run of the study: a scaler at one knob value and seed. */
export interface ScalingRun {
  /** The registered scaler name, e.g. "kpa". */
  readonly scaler: string
  /** The full spec run, e.g. "kpa:util=0.5". */
  readonly spec: string
  /** The knob varied and its value here. */
  readonly knob: string
  readonly value: number
  /** This run used the scaler's default knob value. */
  readonly is_default: boolean
  readonly seed: number
  readonly requests: number
  readonly completed: number
  readonly rejected: number
  readonly gpu_hours: number
  readonly cost_usd: number
  /** Share of requests that met the SLO (unfinished and rejected ones count as misses). */
  readonly attainment: number
  readonly cold_starts: number
  readonly replicas_mean: number
  readonly replicas_max: number
  /** p99 of the latency the SLO is on (wait-to-start for functions, TTFT for LLMs), seconds. */
  readonly latency_p99_s: number
  readonly sim_wall_s: number
}

/** CurvePoint is one knob value of a scaler, averaged over seeds. */
export interface CurvePoint {
  readonly value: number
  readonly spec: string
  readonly is_default: boolean
  readonly gpu_hours: number
  readonly attainment: number
  readonly cold_starts: number
  readonly replicas_mean: number
  readonly latency_p99_s: number
}

/** ScalerCurve is one scaler's trade-off: points in knob order, and its cheapest frontier. */
export interface ScalerCurve {
  readonly scaler: string
  readonly knob: string
  readonly points: ReadonlyArray<CurvePoint>
  /** Points no other point beats on both GPU-hours and attainment, by rising GPU-hours. */
  readonly frontier: ReadonlyArray<CurvePoint>
  /** The default knob's point, when it was run. */
  readonly default?: CurvePoint
}

/** Comparison is one scaler against the baseline at the baseline's attainment. */
export interface Comparison {
  readonly scaler: string
  /**
   * GPU-hours on this scaler's frontier at the baseline's attainment (linear between frontier
   * points); null when no point reaches it.
   */
  readonly gpu_hours_at_baseline: number | null
  /** 1 − that / the baseline's GPU-hours: positive is a saving. Null when not reached. */
  readonly saving: number | null
  /** The highest attainment this scaler reached, and at what cost. */
  readonly best_attainment: number
  readonly best_attainment_gpu_hours: number
}

/** ScalingBoard is the study's result for one trace. */
export interface ScalingBoard {
  readonly curves: ReadonlyArray<ScalerCurve>
  /** The baseline point: KPA at its defaults when run, else the first scaler's default. */
  readonly baseline?: { readonly scaler: string; readonly point: CurvePoint }
  readonly comparisons: ReadonlyArray<Comparison>
}

/** buildScalingBoard averages seeds, draws each scaler's curve and compares them. */
export function buildScalingBoard(
  runs: ReadonlyArray<ScalingRun>,
  baselineScaler = 'kpa',
): ScalingBoard {
  const scalers = [...new Set(runs.map((r) => r.scaler))]
  const curves = scalers.map((scaler) => curveOf(runs.filter((r) => r.scaler === scaler)))
  const base =
    curves.find((c) => c.scaler === baselineScaler && c.default) ?? curves.find((c) => c.default)
  const baseline = base?.default ? { scaler: base.scaler, point: base.default } : undefined
  const comparisons = curves.map((c) => compare(c, baseline?.point))
  return { curves, ...(baseline ? { baseline } : {}), comparisons }
}

function curveOf(runs: ReadonlyArray<ScalingRun>): ScalerCurve {
  const first = runs[0]!
  const values = [...new Set(runs.map((r) => r.value))].sort((a, b) => a - b)
  const points = values.map((value): CurvePoint => {
    const at = runs.filter((r) => r.value === value)
    const mean = (pick: (r: ScalingRun) => number): number =>
      at.reduce((s, r) => s + pick(r), 0) / at.length
    return {
      value,
      spec: at[0]!.spec,
      is_default: at[0]!.is_default,
      gpu_hours: mean((r) => r.gpu_hours),
      attainment: mean((r) => r.attainment),
      cold_starts: mean((r) => r.cold_starts),
      replicas_mean: mean((r) => r.replicas_mean),
      latency_p99_s: mean((r) => r.latency_p99_s),
    }
  })
  const def = points.find((p) => p.is_default)
  return {
    scaler: first.scaler,
    knob: first.knob,
    points,
    frontier: frontierOf(points),
    ...(def ? { default: def } : {}),
  }
}

/** frontierOf keeps the points whose attainment beats every cheaper point's. */
export function frontierOf(points: ReadonlyArray<CurvePoint>): CurvePoint[] {
  const byCost = [...points].sort(
    (a, b) => a.gpu_hours - b.gpu_hours || b.attainment - a.attainment,
  )
  const out: CurvePoint[] = []
  for (const p of byCost) {
    const last = out[out.length - 1]
    if (last === undefined || p.attainment > last.attainment) out.push(p)
  }
  return out
}

/**
 * costAtAttainment reads a frontier at attainment `a`: the cheapest point reaching it, or the
 * linear interpolation between the two frontier points around it. Null when none reaches `a`.
 */
export function costAtAttainment(frontier: ReadonlyArray<CurvePoint>, a: number): number | null {
  for (let i = 0; i < frontier.length; i++) {
    const p = frontier[i]!
    if (p.attainment < a) continue
    const prev = frontier[i - 1]
    if (prev === undefined || p.attainment === prev.attainment) return p.gpu_hours
    const f = (a - prev.attainment) / (p.attainment - prev.attainment)
    return prev.gpu_hours + f * (p.gpu_hours - prev.gpu_hours)
  }
  return null
}

function compare(c: ScalerCurve, base: CurvePoint | undefined): Comparison {
  let best = c.points[0]!
  for (const p of c.points) {
    if (p.attainment > best.attainment) best = p
    else if (p.attainment === best.attainment && p.gpu_hours < best.gpu_hours) best = p
  }
  const at = base ? costAtAttainment(c.frontier, base.attainment) : null
  return {
    scaler: c.scaler,
    gpu_hours_at_baseline: at,
    saving: at !== null && base && base.gpu_hours > 0 ? 1 - at / base.gpu_hours : null,
    best_attainment: best.attainment,
    best_attainment_gpu_hours: best.gpu_hours,
  }
}
