package dev.eosfleet.peer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/**
 * The Kafka Streams peer of an eos-fleet identity pipeline: input -> output, keys, values and
 * headers unchanged, exactly_once_v2. Everything else stays at the Streams defaults (session
 * timeout, rebalancing), so failover is measured as users get it out of the box.
 *
 * <p>Environment: PEER_BROKERS, PEER_INPUT, PEER_OUTPUT, PEER_APP_ID, PEER_COMMIT_MS (the fleet's
 * linger, 100), PEER_THREADS (1), PEER_GUARANTEE (exactly_once_v2 | at_least_once), PEER_STATE_DIR.
 * Logs `peer state <old> -> <new> <epoch ms>` and `peer partitions [<list>] <epoch ms>` on stdout;
 * reads `pause` / `resume` on stdin.
 */
public final class Peer {
  private static String env(String name, String dflt) {
    String v = System.getenv(name);
    return v == null || v.isEmpty() ? dflt : v;
  }

  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, env("PEER_BROKERS", "127.0.0.1:9092"));
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, env("PEER_APP_ID", "eos-peer"));
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, env("PEER_GUARANTEE", StreamsConfig.EXACTLY_ONCE_V2));
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, env("PEER_COMMIT_MS", "100"));
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, env("PEER_THREADS", "1"));
    props.put(StreamsConfig.STATE_DIR_CONFIG, env("PEER_STATE_DIR", System.getProperty("java.io.tmpdir") + "/eos-peer"));
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");

    StreamsBuilder builder = new StreamsBuilder();
    builder
        .stream(env("PEER_INPUT", "in"), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
        .to(env("PEER_OUTPUT", "out"), Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));

    KafkaStreams streams = new KafkaStreams(builder.build(), props);
    CountDownLatch done = new CountDownLatch(1);
    streams.setStateListener(
        (now, old) -> {
          System.out.println("peer state " + old + " -> " + now + " " + System.currentTimeMillis());
          if (now == KafkaStreams.State.RUNNING) {
            String tasks =
                streams.metadataForLocalThreads().stream()
                    .flatMap((ThreadMetadata t) -> t.activeTasks().stream())
                    .flatMap(t -> t.topicPartitions().stream())
                    .map(tp -> String.valueOf(tp.partition()))
                    .sorted()
                    .collect(Collectors.joining(","));
            System.out.println("peer partitions [" + tasks + "] " + System.currentTimeMillis());
          }
          if (now == KafkaStreams.State.NOT_RUNNING || now == KafkaStreams.State.ERROR) done.countDown();
        });
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  streams.close(Duration.ofSeconds(30));
                  done.countDown();
                }));
    streams.start();
    // Commands on stdin, so the benchmark can hold processing while it fills the input:
    // `pause` / `resume` (KafkaStreams#pause/#resume: the instance stays in its group).
    Thread control =
        new Thread(
            () -> {
              try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                  try {
                    if (line.equals("pause")) {
                      streams.pause();
                      System.out.println("peer paused " + System.currentTimeMillis());
                    } else if (line.equals("resume")) {
                      streams.resume();
                      System.out.println("peer resumed " + System.currentTimeMillis());
                    }
                  } catch (RuntimeException e) {
                    // e.g. not RUNNING right now: the benchmark asks again
                    System.out.println("peer error " + line + ": " + e);
                  }
                }
              } catch (IOException e) {
                // stdin closed: nothing more to do
              }
            },
            "peer-control");
    control.setDaemon(true);
    control.start();
    done.await();
  }
}
