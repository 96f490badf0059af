import { classifyError } from '../errors';
import { stableOffsetsOf, UNSTABLE_OFFSET_COMMIT } from './stable-offsets';

const res = (partitions: { partition: number; offset: string; errorCode: number }[], errorCode = 0) => ({
  topics: [{ name: 'in', partitions }],
  errorCode,
});

describe('stableOffsetsOf', () => {
  it('offsets of the partitions asked for, pending ones apart, none for -1', () => {
    expect(
      stableOffsetsOf(
        res([
          { partition: 0, offset: '12', errorCode: 0 },
          { partition: 1, offset: '-1', errorCode: UNSTABLE_OFFSET_COMMIT },
          { partition: 2, offset: '-1', errorCode: 0 },
          { partition: 3, offset: '7', errorCode: 0 },
        ]),
        'in',
        [0, 1, 2],
      ),
    ).toEqual({ offsets: new Map([[0, 12]]), pending: [1] });
  });

  it("throws a group-level error as kafkajs's error of that type (an authorization failure is fatal)", () => {
    let err: unknown;
    try {
      stableOffsetsOf(res([], 30), 'in', [0]);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ type: 'GROUP_AUTHORIZATION_FAILED' });
    expect(classifyError(err)).toBe('fatal');
  });

  it('throws a partition error other than UNSTABLE_OFFSET_COMMIT', () => {
    expect(() => stableOffsetsOf(res([{ partition: 0, offset: '-1', errorCode: 29 }]), 'in', [0])).toThrow(
      expect.objectContaining({ type: 'TOPIC_AUTHORIZATION_FAILED' }),
    );
  });
});
