import { TransformConfigError, UnknownTransformError } from './errors';
import { transformKey, type TransformDefinition, type TransformFn } from './transform';

/** Transforms by name@version. */
export class TransformRegistry {
  private readonly defs = new Map<string, TransformDefinition>();

  constructor(defs: Iterable<TransformDefinition> = []) {
    for (const d of defs) this.register(d);
  }

  /** Adds a transform; a second definition of the same name@version is an error. */
  register(def: TransformDefinition): void {
    const key = transformKey(def.name, def.version);
    if (this.defs.has(key)) throw new Error(`transform ${key} is registered twice`);
    this.defs.set(key, def);
  }

  has(name: string, version: number): boolean {
    return this.defs.has(transformKey(name, version));
  }

  /** The definition, or {@link UnknownTransformError}. */
  get(name: string, version: number): TransformDefinition {
    const def = this.defs.get(transformKey(name, version));
    if (!def) throw new UnknownTransformError(name, version, this.keys());
    return def;
  }

  /** Builds the function for a config; throws UnknownTransformError or TransformConfigError. */
  create(name: string, version: number, config: Record<string, unknown> = {}): TransformFn {
    const def = this.get(name, version);
    try {
      return def.create(config);
    } catch (err) {
      if (err instanceof TransformConfigError) throw err;
      throw new TransformConfigError(
        `${transformKey(name, version)} rejected its config: ${(err as Error).message}`,
      );
    }
  }

  /** name@version of every registered transform, sorted. */
  keys(): string[] {
    return [...this.defs.keys()].sort();
  }

  /** Every registered transform as {name, version}. */
  capabilities(): { name: string; version: number }[] {
    return [...this.defs.values()]
      .map((d) => ({ name: d.name, version: d.version }))
      .sort((a, b) => transformKey(a.name, a.version).localeCompare(transformKey(b.name, b.version)));
  }
}
