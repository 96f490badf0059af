/** `npm run redis:<start|stop|status>`: the local Redis at REDIS_URL (default redis://127.0.0.1:6379). */
import { startRedis, stopRedis, redisAnswers } from '@eos/infra';
import { cliArgs } from '../lib/args';

const USAGE =
  'usage: npm run redis:<start|stop|status>   (the Redis at REDIS_URL, default redis://127.0.0.1:6379)';

async function main(): Promise<number> {
  const url = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
  const { positionals } = cliArgs(USAGE, {}, { positionals: true });
  switch (positionals.length === 1 ? positionals[0] : undefined) {
    case 'start': {
      const h = await startRedis({ url });
      console.log(
        h.startedNow ? `redis started at ${url} (pid ${h.pid})` : `redis already answering at ${url}`,
      );
      return 0;
    }
    case 'stop':
      console.log((await stopRedis({ url })) ? 'redis stopped' : 'no redis started by this tool is running');
      return 0;
    case 'status': {
      const u = new URL(url);
      const up = await redisAnswers(u.hostname, Number(u.port || 6379));
      console.log(`redis at ${url}: ${up ? 'answering' : 'not answering'}`);
      return up ? 0 : 1;
    }
    default:
      console.error(USAGE);
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
