import { parseFlags, UsageError } from './args';

describe('parseFlags', () => {
  const flags = { quick: { type: 'boolean' }, seed: { type: 'string' }, only: { type: 'string' } } as const;

  it('reads booleans, numbers, strings and lists', () => {
    const a = parseFlags(flags, { argv: ['--quick', '--seed', '7', '--only=a,b'] });
    expect(a.flag('quick')).toBe(true);
    expect(a.number('seed', 1)).toBe(7);
    expect(a.list('only')).toEqual(['a', 'b']);
    expect(a.has('only')).toBe(true);
  });

  it('gives the defaults for absent flags', () => {
    const a = parseFlags(flags, { argv: [] });
    expect(a.flag('quick')).toBe(false);
    expect(a.number('seed', 3)).toBe(3);
    expect(a.string('only', 'x')).toBe('x');
    expect(a.list('only')).toBeUndefined();
  });

  it('rejects an unknown flag, naming it', () => {
    expect(() => parseFlags(flags, { argv: ['--quik'] })).toThrow(UsageError);
    expect(() => parseFlags(flags, { argv: ['--quik'] })).toThrow(/--quik/);
  });

  it('rejects a flag without its value and a value that is not a number', () => {
    expect(() => parseFlags(flags, { argv: ['--seed'] })).toThrow(UsageError);
    expect(() => parseFlags(flags, { argv: ['--seed', 'x'] }).number('seed', 1)).toThrow(
      /--seed: expected a number, got x/,
    );
    expect(() => parseFlags(flags, { argv: ['--seed=-1'] }).number('seed', 1, { min: 0 })).toThrow(
      /expected a number >= 0/,
    );
  });

  it('takes words that are not flags only when asked', () => {
    expect(() => parseFlags(flags, { argv: ['start'] })).toThrow(UsageError);
    expect(parseFlags(flags, { argv: ['start'], positionals: true }).positionals).toEqual(['start']);
  });
});
