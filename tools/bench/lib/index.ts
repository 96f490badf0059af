/** Shared pieces of the benchmarks (tools/bench/*.ts): environment, systems under test, scenarios, reports. */
export { runDrain } from './drain';
export type { DrainResult } from './drain';
export { Fleet, NOT_OVERLAPPED, benchStack, groupTotal } from './fleet';
export type { Guarantee, SystemUnderTest } from './fleet';
export {
  KAFKA_DEFAULT_GROUP_DELAY_MS,
  benchEnv,
  machineInfo,
  startBenchInfra,
  startDefaultGroupsBroker,
} from './infra';
export { runRollout } from './rollout';
export { runControllerRestart } from './restart';
export type { RolloutResult } from './rollout';
export { watchPauses } from './pause';
export type { PauseWatch } from './pause';
export type { BenchEnv, BenchInfra } from './infra';
export { consumerPerf, producerPerf } from './kafka-perf';
export type { ConsumerPerfResult, ProducerPerfResult } from './kafka-perf';
export { startBenchLoad } from './load';
export { LOOP_STEPS, loopBreakdown, loopText, parseLoopTotals } from './loop-metrics';
export type { LoopBreakdown, LoopTotals } from './loop-metrics';
export type { BenchLoad } from './load';
export { dec, int, mdTable, ratio } from './markdown';
export { PEER_COMMAND, StreamsPeer, ensurePeerBuilt } from './peer';
export { ProcSampler, cpuMs, logDeletesText, rssBytes } from './proc-stats';
export { ProbeProducer, ProbeReader } from './probe';
export type { WindowStats } from './probe';
export { median, pct } from './stats';
export { PEER_EOS, OURS_ALO, OURS_EOS, headline, ourMax, renderMarkdown } from './report';
export type { BenchResults } from './report';
export { latencySvg, throughputSvg } from './report-svg';
export {
  PARTITIONS,
  VALUE_BYTES,
  dropTopics,
  freshTopics,
  runCeiling,
  runFailover,
  runLatency,
  runThroughput,
} from './scenarios';
export type { CeilingResult, FailoverResult, LatencyResult, ThroughputResult, Topics } from './scenarios';
export { lineChart, niceStep } from './svg';
export type { LineChartOptions, Series } from './svg';
