import { parseDump, parseGroupDescribe, parseOffsetShell, parseOpenTransactionStart } from './verify';

// Output captured from the Kafka 3.9 tools against the local broker.
const DUMP = `Dumping x-0/00000000000000000000.log
Log starting offset: 0
baseOffset: 0 lastOffset: 1 count: 2 baseSequence: 0 lastSequence: 1 producerId: 1 producerEpoch: 0 partitionLeaderEpoch: 0 isTransactional: true isControl: false deleteHorizonMs: OptionalLong.empty position: 0 CreateTime: 1795792701324 size: 77 magic: 2 compresscodec: none crc: 2279515466 isvalid: true
| offset: 0 CreateTime: 1795792701324 keySize: -1 valueSize: 1 sequence: 0 headerKeys: [] payload: a
| offset: 1 CreateTime: 1795792701324 keySize: -1 valueSize: 1 sequence: 1 headerKeys: [] payload: b
baseOffset: 2 lastOffset: 2 count: 1 baseSequence: -1 lastSequence: -1 producerId: 1 producerEpoch: 0 partitionLeaderEpoch: 0 isTransactional: true isControl: true deleteHorizonMs: OptionalLong.empty position: 77 CreateTime: 1795792701386 size: 78 magic: 2 compresscodec: none crc: 3210174952 isvalid: true
| offset: 2 CreateTime: 1795792701386 keySize: 4 valueSize: 6 sequence: -1 headerKeys: [] endTxnMarker: COMMIT coordinatorEpoch: 0
baseOffset: 3 lastOffset: 3 count: 1 baseSequence: -1 lastSequence: -1 producerId: 1 producerEpoch: 1 partitionLeaderEpoch: 0 isTransactional: true isControl: true deleteHorizonMs: OptionalLong.empty position: 155 CreateTime: 1795792701386 size: 78 magic: 2 compresscodec: none crc: 1 isvalid: true
| offset: 3 CreateTime: 1795792701386 keySize: 4 valueSize: 6 sequence: -1 headerKeys: [] endTxnMarker: ABORT coordinatorEpoch: 0
`;

describe('tool output parsers', () => {
  it('reads batches, epochs and markers from DumpLogSegments', () => {
    expect(parseDump(DUMP)).toEqual([
      { baseOffset: 0, producerId: 1, producerEpoch: 0, transactional: true },
      { baseOffset: 2, producerId: 1, producerEpoch: 0, transactional: true, marker: 'COMMIT' },
      { baseOffset: 3, producerId: 1, producerEpoch: 1, transactional: true, marker: 'ABORT' },
    ]);
  });

  it('reads open transaction starts from describe-producers', () => {
    const head =
      'ProducerId\tProducerEpoch\tLatestCoordinatorEpoch\tLastSequence\tLastTimestamp\tCurrentTransactionStartOffset\t\n';
    expect(
      parseOpenTransactionStart(
        `${head}1         \t0            \t0                     \t3           \t1795792701988\t5                            \t\n`,
      ),
    ).toBe(5);
    expect(
      parseOpenTransactionStart(`${head}1\t0\t0\t3\t1795792701988\t-1\t\n2\t3\t0\t3\t1\t-1\n`),
    ).toBeUndefined();
  });

  it('reads end offsets and group offsets', () => {
    expect(parseOffsetShell('x:0:6\nx:1:0\nxy:0:9\n', 'x')).toEqual({ 0: 6, 1: 0 });
    const describe = `
GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID
eos.p           p.in            0          120             120             0               -               -               -
eos.p           p.in            1          -               40              -               -               -               -
`;
    expect(parseGroupDescribe(describe, 'p.in')).toEqual({ 0: 120, 1: -1 });
  });
});
