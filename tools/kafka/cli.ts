/**
 * `npm run kafka:<start|stop|status|logs>`: the local broker (USAGE below says which variables it reads).
 */
import * as fs from 'node:fs';
import {
  brokerVersion,
  kafkaAnswers,
  kafkaPaths,
  kafkaPortFromEnv,
  kafkaVersionFromEnv,
  readLivePid,
  startKafka,
  stopKafka,
} from '@eos/infra';
import { cliArgs } from '../lib/args';

const USAGE = `
usage: npm run kafka:<start|stop|status|logs>   (tsx tools/kafka/cli.ts <start|stop|status|logs>)

  start   start the local broker unless one answers on the port
  stop    stop the broker this tool started (by its pid file)
  status  whether a broker answers on the port, and its version
  logs    the last 200 lines of its log

Port: KAFKA_PORT; when KAFKA_PORT is not set, the port of the first KAFKA_BROKERS entry (what the
apps and tests connect to); otherwise 9092. The KRaft controller listens on the port + 1.
Version: KAFKA_VERSION (default: kafka.version of tools/kafka/pom.xml, the newest 4.x; 3.9.1 works).
KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS sets the broker's group.initial.rebalance.delay.ms (default 0).
`;

async function main(): Promise<number> {
  const args = cliArgs(USAGE, {}, { positionals: true });
  const cmd = args.positionals.length === 1 ? args.positionals[0] : undefined;
  const port = kafkaPortFromEnv(process.env);
  const version = kafkaVersionFromEnv(process.env);
  const delay = process.env['KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS'];
  const opts = {
    version,
    ...(port === undefined ? {} : { port }),
    // Kafka's default is 3000; the local broker's 0 hides that wait (benchmarks set 3000).
    ...(delay === undefined ? {} : { groupInitialRebalanceDelayMs: Number(delay) }),
  };
  const paths = kafkaPaths(opts);
  switch (cmd) {
    case 'start': {
      const h = await startKafka(opts);
      console.log(
        h.startedNow
          ? `kafka ${version} started on ${h.brokers[0]} (pid ${h.pid}) in ${h.startMs} ms; data in ${paths.dataDir}`
          : `kafka already running on ${h.brokers[0]}${h.pid ? ` (pid ${h.pid})` : ' (not started by this tool)'}`,
      );
      return 0;
    }
    case 'stop': {
      const stopped = await stopKafka(opts);
      console.log(stopped ? 'kafka stopped' : 'no kafka started by this tool is running');
      return 0;
    }
    case 'status': {
      const brokers = [`127.0.0.1:${port ?? 9092}`];
      const up = await kafkaAnswers(brokers);
      const pid = readLivePid(paths.pidFile, 'kafka.Kafka');
      console.log(
        `kafka on ${brokers[0]}: ${up ? 'answering' : 'not answering'}; pid file: ${pid ?? 'none'}`,
      );
      if (up) console.log(`version: ${brokerVersion(brokers, opts)}`);
      return up ? 0 : 1;
    }
    case 'logs': {
      if (!fs.existsSync(paths.logFile)) {
        console.error(`no log at ${paths.logFile}`);
        return 1;
      }
      process.stdout.write(fs.readFileSync(paths.logFile, 'utf8').split('\n').slice(-200).join('\n'));
      return 0;
    }
    default:
      console.error(USAGE.trim());
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
