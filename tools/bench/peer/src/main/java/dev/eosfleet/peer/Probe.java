package dev.eosfleet.peer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The benchmark's load generator and output reader, in the JVM so that on a 2-core machine they
 * take as little CPU from the systems under test as they can. Values are `<source partition>:<produce
 * time ms>:` padded to the value size; both systems copy them unchanged (identity).
 *
 * <pre>
 * Probe produce BROKERS TOPIC PARTITIONS VALUE_BYTES   stdin: "rate N" (records/s); prints "sent TOTAL MS" every 200 ms;
 *   "count FROM TO" -> "count FROM TO N" (records stamped in [FROM, TO) and acknowledged)
 * Probe read BROKERS TOPIC                              read_committed from the start of every partition; stdin:
 *   "window FROM TO"  -> "window FROM TO COUNT P50 P99 P999" (latency = read - produce, records produced in [FROM, TO))
 *   "first SINCE P,P" -> "first SINCE P:READ_MS ..." (earliest read of a record of P produced after SINCE; -1: none yet)
 *   "last"            -> "last P:READ_MS ..." (latest read per partition)
 * </pre>
 */
public final class Probe {
  public static void main(String[] args) throws Exception {
    if (args.length >= 5 && args[0].equals("produce")) produce(args[1], args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]));
    else if (args.length >= 3 && args[0].equals("read")) read(args[1], args[2]);
    else {
      System.err.println("usage: Probe produce BROKERS TOPIC PARTITIONS VALUE_BYTES | Probe read BROKERS TOPIC");
      System.exit(2);
    }
  }

  private static BufferedReader stdin() {
    return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
  }

  private static void daemon(String name, Runnable r) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.start();
  }

  // ---- produce ----

  /** Acknowledged records by the produce time stamped in them. */
  private static final TreeMap<Long, Long> ackedByStamp = new TreeMap<>();

  private static volatile long rate = 0;
  private static volatile long rateSince = System.currentTimeMillis();
  private static volatile long sentAtRate = 0;

  private static void produce(String brokers, String topic, int partitions, int valueBytes) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "1");
    AtomicLong acked = new AtomicLong();
    AtomicLong queued = new AtomicLong();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      daemon(
          "probe-stdin",
          () -> {
            try (BufferedReader in = stdin()) {
              for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith("count ")) {
                  String[] c = line.trim().split(" ");
                  long from = Long.parseLong(c[1]);
                  long to = Long.parseLong(c[2]);
                  long total = 0;
                  synchronized (ackedByStamp) {
                    for (long v : ackedByStamp.subMap(from, to).values()) total += v;
                  }
                  System.out.println("count " + from + " " + to + " " + total);
                } else if (line.startsWith("rate ")) {
                  long n = Long.parseLong(line.substring(5).trim());
                  synchronized (Probe.class) {
                    rate = n;
                    rateSince = System.currentTimeMillis();
                    sentAtRate = queued.get();
                  }
                }
              }
            } catch (IOException e) {
              // stdin closed
            }
            System.exit(0);
          });
      daemon(
          "probe-report",
          () -> {
            for (;;) {
              System.out.println("sent " + acked.get() + " " + System.currentTimeMillis());
              try {
                Thread.sleep(200);
              } catch (InterruptedException e) {
                return;
              }
            }
          });
      long next = 0;
      for (;;) {
        long now = System.currentTimeMillis();
        long due;
        synchronized (Probe.class) {
          due = rate * (now - rateSince) / 1000 - (queued.get() - sentAtRate);
        }
        if (due <= 0) {
          Thread.sleep(1);
          continue;
        }
        // Never queue more than the producer can take without blocking for long.
        for (long i = 0; i < Math.min(due, 5000); i++) {
          int part = (int) (next++ % partitions);
          producer.send(
              new ProducerRecord<>(topic, part, null, value(part, now, valueBytes)),
              (md, err) -> {
                if (err == null) {
                  acked.incrementAndGet();
                  synchronized (ackedByStamp) {
                    ackedByStamp.merge(now, 1L, Long::sum);
                  }
                }
              });
          queued.incrementAndGet();
        }
      }
    }
  }

  private static byte[] value(int partition, long ts, int size) {
    byte[] head = (partition + ":" + ts + ":").getBytes(StandardCharsets.US_ASCII);
    byte[] v = new byte[Math.max(size, head.length)];
    Arrays.fill(v, (byte) 'x');
    System.arraycopy(head, 0, v, 0, head.length);
    return v;
  }

  // ---- read ----

  private static long[] produced = new long[1 << 16];
  private static long[] readAt = new long[1 << 16];
  private static int[] part = new int[1 << 16];
  private static int n = 0;
  private static final long[] lastRead = new long[1024];

  private static synchronized void add(int p, long ts, long at) {
    if (n == produced.length) {
      produced = Arrays.copyOf(produced, n * 2);
      readAt = Arrays.copyOf(readAt, n * 2);
      part = Arrays.copyOf(part, n * 2);
    }
    produced[n] = ts;
    readAt[n] = at;
    part[n] = p;
    n++;
    if (p >= 0 && p < lastRead.length) lastRead[p] = at;
  }

  private static synchronized String window(long from, long to) {
    long[] lat = new long[n];
    int k = 0;
    for (int i = 0; i < n; i++) if (produced[i] >= from && produced[i] < to) lat[k++] = readAt[i] - produced[i];
    Arrays.sort(lat, 0, k);
    return "window " + from + " " + to + " " + k + " " + pct(lat, k, 50) + " " + pct(lat, k, 99) + " " + pct(lat, k, 99.9);
  }

  private static long pct(long[] sorted, int k, double p) {
    if (k == 0) return -1;
    int rank = (int) Math.ceil(p / 100 * k - 1e-9);
    return sorted[Math.min(k - 1, Math.max(0, rank - 1))];
  }

  private static synchronized String first(long since, String parts) {
    StringBuilder sb = new StringBuilder("first " + since);
    for (String s : parts.split(",")) {
      int p = Integer.parseInt(s);
      long best = -1;
      for (int i = 0; i < n; i++)
        if (part[i] == p && produced[i] > since && (best < 0 || readAt[i] < best)) best = readAt[i];
      sb.append(' ').append(p).append(':').append(best);
    }
    return sb.toString();
  }

  private static synchronized String last() {
    StringBuilder sb = new StringBuilder("last");
    for (int p = 0; p < lastRead.length; p++) if (lastRead[p] > 0) sb.append(' ').append(p).append(':').append(lastRead[p]);
    return sb.toString();
  }

  private static void read(String brokers, String topic) throws Exception {
    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
    c.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-probe-" + UUID.randomUUID());
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "20");
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> tps = new ArrayList<>();
      consumer.partitionsFor(topic).forEach(pi -> tps.add(new TopicPartition(topic, pi.partition())));
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      daemon(
          "probe-stdin",
          () -> {
            try (BufferedReader in = stdin()) {
              for (String line; (line = in.readLine()) != null; ) {
                String[] a = line.trim().split(" ");
                if (a[0].equals("window")) System.out.println(window(Long.parseLong(a[1]), Long.parseLong(a[2])));
                else if (a[0].equals("first")) System.out.println(first(Long.parseLong(a[1]), a[2]));
                else if (a[0].equals("last")) System.out.println(last());
              }
            } catch (IOException e) {
              // stdin closed
            }
            System.exit(0);
          });
      System.out.println("reading " + tps.size() + " partitions");
      for (;;) {
        var records = consumer.poll(Duration.ofMillis(20));
        long at = System.currentTimeMillis();
        for (ConsumerRecord<byte[], byte[]> r : records) {
          byte[] v = r.value();
          if (v == null) continue;
          int i = 0;
          int p = 0;
          long ts = 0;
          while (i < v.length && v[i] != ':') p = p * 10 + (v[i++] - '0');
          i++;
          while (i < v.length && v[i] != ':') ts = ts * 10 + (v[i++] - '0');
          add(p, ts, at);
        }
      }
    }
  }
}
