import { parseScaleOptions } from './options';

describe('parseScaleOptions', () => {
  it('--quick picks the small run; capacity follows workers and tasks unless given', () => {
    expect(parseScaleOptions(['--quick'])).toMatchObject({
      quick: true,
      workers: 200,
      tasks: 2000,
      pipelines: 2,
      capacity: 16,
      steadyMs: 5_000,
      stormMs: 3_000,
      cpuProf: false,
      controllerScript: undefined,
    });
    expect(parseScaleOptions(['--workers', '10', '--tasks', '100', '--controller', 'c.js'])).toMatchObject({
      quick: false,
      workers: 10,
      tasks: 100,
      capacity: 16,
      steadyMs: 10_000,
      controllerScript: 'c.js',
    });
    expect(parseScaleOptions(['--capacity', '3', '--cpu-prof'])).toMatchObject({
      capacity: 3,
      cpuProf: true,
    });
  });

  it('rejects an unknown flag or a value that is not a number', () => {
    expect(() => parseScaleOptions(['--wokers', '10'])).toThrow(/wokers/);
    expect(() => parseScaleOptions(['--workers', 'ten'])).toThrow(/--workers ten: not a number/);
    expect(() => parseScaleOptions(['--workers', ''])).toThrow(/not a number/);
  });
});
