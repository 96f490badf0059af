import { logLevel, type LogEntry } from 'kafkajs';
import { isExpectedResponseError, quietConsoleLogger } from './quiet-log';

const CONCURRENT =
  'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing';

/** An entry as kafkajs's connection logs an error response (src/network/connection.js). */
const responseError = (api: string, error: string, level = logLevel.ERROR): LogEntry => ({
  namespace: 'Connection',
  level,
  label: level === logLevel.ERROR ? 'ERROR' : 'WARN',
  log: {
    timestamp: '2026-12-03T00:00:00.000Z',
    message: `Response ${api}(key: 25, version: 0)`,
    broker: '127.0.0.1:9092',
    clientId: 'eos-worker-w1',
    error,
    correlationId: 7,
    size: 12,
  },
});

describe('quietConsoleLogger', () => {
  let errors: jest.SpyInstance;
  beforeEach(() => (errors = jest.spyOn(console, 'error').mockImplementation(() => undefined)));
  afterEach(() => errors.mockRestore());

  it('drops the CONCURRENT_TRANSACTIONS responses the transaction retries', () => {
    const log = quietConsoleLogger(logLevel.ERROR);
    for (const api of ['AddOffsetsToTxn', 'AddPartitionsToTxn', 'EndTxn', 'TxnOffsetCommit']) {
      expect(isExpectedResponseError(responseError(api, CONCURRENT))).toBe(true);
      log(responseError(api, CONCURRENT));
    }
    expect(errors).not.toHaveBeenCalled();
  });

  it('writes every other error as kafkajs does: one JSON line with the namespace in the message', () => {
    const log = quietConsoleLogger(logLevel.ERROR);
    log(responseError('Produce', CONCURRENT)); // not a request the transaction retries
    log(responseError('AddOffsetsToTxn', 'The producer has been fenced'));
    log({ ...responseError('Fetch', 'x'), log: { timestamp: 't', message: 'Crash: oops' } });
    expect(errors).toHaveBeenCalledTimes(3);
    const first = JSON.parse(errors.mock.calls[0][0] as string) as Record<string, unknown>;
    expect(first).toMatchObject({
      level: 'ERROR',
      message: '[Connection] Response Produce(key: 25, version: 0)',
      error: CONCURRENT,
      broker: '127.0.0.1:9092',
    });
    expect(JSON.parse(errors.mock.calls[2][0] as string)).toMatchObject({
      message: '[Connection] Crash: oops',
    });
  });

  it('keeps a CONCURRENT_TRANSACTIONS line logged at another level', () => {
    expect(isExpectedResponseError(responseError('EndTxn', CONCURRENT, logLevel.WARN))).toBe(false);
  });
});
