/** Local infrastructure for development, tests and CI: a real Kafka 3.9 broker and Redis on loopback, process helpers. */
export {
  REPO_ROOT,
  brokerVersion,
  ensureKafkaJars,
  kafkaAnswers,
  kafkaClasspath,
  kafkaPaths,
  killKafka,
  startKafka,
  stopKafka,
} from './local-kafka';
export type { ExtraListener, KafkaHandle, LocalKafkaOptions } from './local-kafka';
export { killRedis, redisAnswers, startRedis, stopRedis } from './local-redis';
export type { LocalRedisOptions, RedisHandle } from './local-redis';
export { commandLine, isAlive, readLivePid, spawnDetached, stopPid, tail, waitFor } from './processes';
