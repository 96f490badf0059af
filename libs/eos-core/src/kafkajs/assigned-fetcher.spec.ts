import { AssignedFetcher, type KafkaJsBroker, type KafkaJsCluster } from './assigned-fetcher';

describe('AssignedFetcher.commitToGroup (the at-least-once mode)', () => {
  it('looks the group coordinator up once, and again after a commit that failed', async () => {
    const lookups: string[] = [];
    const commits: string[] = [];
    let failNext = false;
    const broker = {
      offsetCommit: async (r: { groupId: string; topics: { partitions: { offset: string }[] }[] }) => {
        if (failNext) {
          failNext = false;
          throw Object.assign(new Error('This is not the correct coordinator.'), { type: 'NOT_COORDINATOR' });
        }
        commits.push(`${r.groupId}@${r.topics[0]?.partitions[0]?.offset}`);
      },
    } as unknown as KafkaJsBroker;
    const cluster = {
      findGroupCoordinator: async (o: { groupId: string }) => {
        lookups.push(o.groupId);
        return broker;
      },
    } as unknown as KafkaJsCluster;
    const f = new AssignedFetcher(cluster, {
      topic: 'in',
      partitions: [0],
      startOffsets: new Map([[0, 0]]),
      maxWaitMs: 100,
      maxBytesPerPartition: 1 << 20,
      onFetched: () => undefined,
      onError: () => undefined,
    });
    await f.commitToGroup('g', new Map([[0, 1]]));
    await f.commitToGroup('g', new Map([[0, 2]]));
    expect(lookups).toEqual(['g']); // before: one FindCoordinator per commit
    failNext = true;
    await expect(f.commitToGroup('g', new Map([[0, 3]]))).rejects.toThrow(/not the correct coordinator/);
    await f.commitToGroup('g', new Map([[0, 3]]));
    expect(lookups).toEqual(['g', 'g']);
    expect(commits).toEqual(['g@1', 'g@2', 'g@3']);
  });
});
