/** Local infrastructure for development, tests and CI: a real Kafka broker (4.x or 3.9) and Redis on loopback, process helpers. */
export {
  REPO_ROOT,
  brokerVersion,
  defaultKafkaVersion,
  ensureKafkaJars,
  kafkaAnswers,
  kafkaClasspath,
  kafkaLogArgs,
  kafkaPortFromEnv,
  kafkaVersionFromEnv,
  kafkaPaths,
  killKafka,
  parseFeatures,
  startKafka,
  stopKafka,
} from './local-kafka';
export type { ExtraListener, KafkaHandle, ListenerTls, LocalKafkaOptions, ScramUser } from './local-kafka';
export { killRedis, redisAnswers, startRedis, stopRedis } from './local-redis';
export type { LocalRedisOptions, RedisHandle } from './local-redis';
export { commandLine, isAlive, readLivePid, spawnDetached, stopPid, tail, waitFor } from './processes';
