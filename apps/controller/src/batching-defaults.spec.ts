import { DEFAULT_BATCHING } from '@eos/control-plane';
import { DEFAULT_BATCH_LIMITS } from '@eos/eos-core';

// The controller fills a spec's batching in at validation; eos-core applies its own defaults when
// an assignment carries none (and to its direct users). The two must not drift apart.
describe('batching defaults', () => {
  it("are the same in the controller's validation and in eos-core", () => {
    expect({ ...DEFAULT_BATCHING }).toEqual({ ...DEFAULT_BATCH_LIMITS });
  });
});
