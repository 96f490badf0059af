/**
 * What the fuzzer sends, as plain data (so a failing case prints as it was sent and replays from
 * its seed): raw HTTP requests, JSON API calls, gRPC calls with proto-JSON requests, raw gRPC frames.
 * Names of pipelines, topics and workers are small indexes into the run's pools, so random
 * sequences of valid calls meet each other's pipelines.
 */
export type Action =
  | { kind: 'http-raw'; method: string; target: string; headers: [string, string][]; body: string }
  | { kind: 'http-api'; method: string; path: string; body: unknown }
  | { kind: 'grpc'; method: string; request: unknown }
  | { kind: 'grpc-raw'; path: string; bytes: number[] };

/** Placeholders the driver replaces with the run's names (topics, pipelines, workers). */
export interface NamePools {
  pipelines: string[];
  inputTopics: string[];
  outputTopics: string[];
  workers: string[];
  stateTopic: string;
}

/** A short, readable description of an action for reports. */
export function describeAction(a: Action): string {
  const cut = (s: string, n = 120) => (s.length > n ? `${s.slice(0, n)}... (${s.length} chars)` : s);
  switch (a.kind) {
    case 'http-raw':
      return `HTTP raw ${JSON.stringify(cut(a.method, 40))} ${JSON.stringify(cut(a.target))} headers ${a.headers.length} body ${cut(JSON.stringify(a.body))}`;
    case 'http-api':
      return `HTTP ${a.method} ${cut(a.path)} ${cut(JSON.stringify(a.body) ?? '')}`;
    case 'grpc':
      return `gRPC ${a.method} ${cut(JSON.stringify(a.request) ?? '')}`;
    case 'grpc-raw':
      return `gRPC raw ${a.path} ${a.bytes.length} bytes`;
  }
}
