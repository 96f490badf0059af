/**
 * kafkajs's console logger, less the lines the loop expects: every connection logs each error
 * response at ERROR level, and a transaction's AddOffsetsToTxn / AddPartitionsToTxn meet
 * CONCURRENT_TRANSACTIONS while the previous transaction's markers are written (about every other
 * transaction under load), which kafkajs retries. One JSON line per retry cost a worker about 2%
 * of its CPU under load (formatting and the write to stdout; kafkajs still builds the error) and
 * buried the errors that matter.
 */
import { logLevel, type logCreator, type LogEntry } from 'kafkajs';

/** kafkajs's text for CONCURRENT_TRANSACTIONS (src/protocol/error.js). */
const CONCURRENT_TRANSACTIONS =
  'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing';

/** The requests whose CONCURRENT_TRANSACTIONS kafkajs (patched) retries. */
const RETRIED = /^Response (AddOffsetsToTxn|AddPartitionsToTxn|EndTxn|TxnOffsetCommit)\(/;

/** Whether a kafkajs log entry is an expected, retried CONCURRENT_TRANSACTIONS response. */
export function isExpectedResponseError(entry: LogEntry): boolean {
  return (
    entry.level === logLevel.ERROR &&
    entry.log.error === CONCURRENT_TRANSACTIONS &&
    RETRIED.test(entry.log.message)
  );
}

/** Writes like kafkajs's default console logger (one JSON line per entry), without the expected lines. */
export const quietConsoleLogger: logCreator = () => (entry) => {
  if (isExpectedResponseError(entry)) return;
  const { namespace, level, label, log } = entry;
  const prefix = namespace ? `[${namespace}] ` : '';
  const line = JSON.stringify({ level: label, ...log, message: `${prefix}${log.message}` });
  if (level === logLevel.ERROR) console.error(line);
  else if (level === logLevel.WARN) console.warn(line);
  else if (level === logLevel.INFO) console.info(line);
  else console.log(line);
};
