import {
  FleetNames,
  InvalidFleetIdError,
  atLeastOnceGroupOf,
  controllerTransactionalIdOf,
} from './fleet-names';

describe('FleetNames', () => {
  it('keeps the pre-namespace names for the default fleet (an upgrade changes no transactional id)', () => {
    const n = new FleetNames();
    expect(n.fleetId).toBe('default');
    expect(n.transactionalId('p1', 3)).toBe('eos.p1.3');
    expect(n.pipelineGroup('p1')).toBe('eos.p1');
    expect(n.offsetsResetTransactionalId('p1')).toBe('eos.p1.offsets-reset');
    expect(n.stateTopic).toBe('__eos_controller');
    expect(n.rolloutQueue).toBe('eos-rollouts');
    expect(controllerTransactionalIdOf(n.stateTopic)).toBe('eos-controller.__eos_controller');
  });

  it('prefixes every name of another fleet with its id', () => {
    const n = new FleetNames('blue');
    expect(n.transactionalId('p1', 0)).toBe('eos-blue.p1.0');
    expect(n.pipelineGroup('p1')).toBe('eos-blue.p1');
    expect(n.offsetsResetTransactionalId('p1')).toBe('eos-blue.p1.offsets-reset');
    expect(n.stateTopic).toBe('__eos_controller.blue');
    expect(n.rolloutQueue).toBe('eos-rollouts.blue');
    expect(n.controllerReaderGroup('u')).toBe('eos-blue._reader.u');
    expect(n.preflightTransactionalId('worker')).toBe('eos-blue._preflight.worker');
  });

  it("never lets one fleet's prefix match another fleet's names", () => {
    const fleets = ['default', 'a', 'a-b', 'ab', 'eos', 'x_1'].map((f) => new FleetNames(f));
    const pipelines = ['p', 'a.p', 'b.p', 'eos-a.p', 'a-b.p'];
    for (const f of fleets)
      for (const g of fleets) {
        if (f === g) continue;
        for (const p of pipelines) {
          for (const name of [g.transactionalId(p, 0), g.pipelineGroup(p), g.controllerReaderGroup('u')])
            expect(name.startsWith(`${f.prefix}.`)).toBe(false);
        }
      }
  });

  it('refuses fleet ids that could overlap another fleet or are not valid Kafka names', () => {
    for (const bad of ['', 'a.b', 'A', '-a', 'a b', 'x'.repeat(41), 'a:b'])
      expect(() => new FleetNames(bad)).toThrow(InvalidFleetIdError);
    expect(() => new FleetNames('a.b')).toThrow(/invalid fleet id "a.b".*no dot/);
  });

  it('derives the per-task groups from the pipeline group, so they share its prefix', () => {
    const g = new FleetNames('blue').pipelineGroup('p');
    expect(atLeastOnceGroupOf(g, 2)).toBe('eos-blue.p.alo.2');
  });
});
