/** Where the tests find Kafka and Redis: KAFKA_BROKERS and REDIS_URL, as the apps read them. */
export function testBrokers(): string[] {
  return (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
export function testRedisUrl(): string {
  return process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
}
/** The local broker's Kafka version the tests start (KAFKA_VERSION; infra's default when unset). */
export function testKafkaVersion(): string | undefined {
  return process.env['KAFKA_VERSION']?.trim() || undefined;
}
