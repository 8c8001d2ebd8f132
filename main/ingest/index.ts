/**
 * Ingestion: from connector samples to measured flows (field.md "Ingestion and precision";
 * docs/ingest.md).
 */
export { Recorder, RecorderClosedError, RecorderOverloadedError, type RecorderCounters, type RecorderOptions, type RejectedSample, type WriteResult } from './recorder.ts';
export { IngestService, type IngestServiceOptions, type Series } from './service.ts';
export { evaluateMeasured, quantityInFlowUnit, type MeasuredEvaluation, type MeasuredMethod, type MeasuredOptions } from './measured.ts';
export { hourOfWeekMeans, measuredWeek, measuredWeekOf, wantsMeasuredWeek, weekHourOf, type MeasuredWeekOptions } from './measured-week.ts';
export {
  alignSeries,
  counterDeltas,
  CP_WATER_KJ_PER_KG_K,
  heatPowerKw,
  waterDensity,
  type CounterResult,
  type CounterStep,
  type HeatPowerInput,
  type Reading,
} from './derived.ts';
export { INGEST_DEFAULTS, INGEST_SETTINGS, readIngestSettings, type IngestSettings } from './settings.ts';
