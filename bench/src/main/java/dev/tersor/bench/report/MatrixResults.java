package dev.tersor.bench.report;

import dev.tersor.bench.TrialRecord;
import dev.tersor.bench.Variant;
import dev.tersor.bench.suite.JmhRun;
import dev.tersor.bench.suite.MatrixSuite;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The matrix suite's results, joined and pooled: timings by trial key (samples of every round
 * together), bytes and trial outcomes from the trial log, read bandwidth by thread count, and the
 * trials the plan expected, in plan order.
 */
final class MatrixResults {

    /** One trial of the matrix suite. */
    record Key(String matrix, int batch, int threads, String variant) {
    }

    /** A batch size and thread count: one column of the report's tables. */
    record Setting(int batch, int threads) implements Comparable<Setting> {
        @Override
        public int compareTo(Setting o) {
            return batch != o.batch ? Integer.compare(batch, o.batch) : Integer.compare(threads, o.threads);
        }

        String label() {
            return "B=" + batch + " T=" + threads;
        }
    }

    final Map<Key, Summary> times = new LinkedHashMap<>();
    final Map<Key, TrialRecord> trials = new LinkedHashMap<>();
    /** Bytes of the weights per matrix and variant. */
    final Map<String, Long> bytes = new LinkedHashMap<>();
    final Map<String, TrialRecord> matrixFacts = new LinkedHashMap<>();
    /** Read bandwidth in bytes per nanosecond, by thread count, with the buffer size. */
    final Map<Integer, Summary> bandwidthNs = new LinkedHashMap<>();
    final Map<Integer, Long> bandwidthBytes = new LinkedHashMap<>();
    final List<Key> expected = new ArrayList<>();
    /** Planned cases with at least one timing or trial record. */
    final Set<String> matrices = new LinkedHashSet<>();
    /** Planned cases that nothing ran on: a run stopped before them (or every one of their JVMs died at once). */
    final Set<String> unmeasured = new LinkedHashSet<>();
    final Set<String> variants = new LinkedHashSet<>();
    final long llcBytes;

    MatrixResults(BenchResults results) {
        this.llcBytes = results.machine().llcBytes();
        for (JmhRun run : results.plan().runs()) {
            if (run.benchmark().equals(MatrixSuite.MATVEC)) {
                for (String matrix : run.values("matrix")) {
                    matrices.add(matrix);
                    for (String batch : run.values("batch")) {
                        for (String threads : run.values("threads")) {
                            for (String variant : run.values("variant")) {
                                variants.add(variant);
                                expected.add(new Key(matrix, Integer.parseInt(batch), Integer.parseInt(threads), variant));
                            }
                        }
                    }
                }
            }
        }
        Map<Key, List<Double>> samples = new LinkedHashMap<>();
        Map<Integer, List<Double>> bandwidth = new LinkedHashMap<>();
        for (JmhEntry entry : results.entries()) {
            if (entry.benchmark().equals(MatrixSuite.MATVEC)) {
                Key key = new Key(entry.param("matrix"), Integer.parseInt(entry.param("batch")),
                        Integer.parseInt(entry.param("threads")), entry.param("variant"));
                samples.computeIfAbsent(key, k -> new ArrayList<>()).addAll(entry.samplesNs());
                matrices.add(key.matrix());
                variants.add(key.variant());
            } else if (entry.benchmark().equals(MatrixSuite.BANDWIDTH)) {
                int threads = Integer.parseInt(entry.param("threads"));
                bandwidth.computeIfAbsent(threads, t -> new ArrayList<>()).addAll(entry.samplesNs());
                bandwidthBytes.put(threads, Long.parseLong(entry.param("mebibytes")) << 20);
            }
        }
        samples.forEach((key, values) -> times.put(key, Summary.of(values)));
        bandwidth.forEach((threads, values) -> bandwidthNs.put(threads, Summary.of(values)));
        for (TrialRecord record : results.trials()) {
            Key key = new Key(record.matrix(), record.batch(), record.threads(), record.variant());
            TrialRecord previous = trials.get(key);
            // across rounds, a success wins over a skip, a failure over both
            if (previous == null || rank(record) > rank(previous)) {
                trials.put(key, record);
            }
            if (record.ok()) {
                bytes.putIfAbsent(record.matrix() + " " + record.variant(), record.bytes());
            }
            if (record.entries() > 0) {
                matrixFacts.putIfAbsent(record.matrix(), record);
            }
        }
        Set<String> touched = new LinkedHashSet<>();
        times.keySet().forEach(k -> touched.add(k.matrix()));
        trials.keySet().forEach(k -> touched.add(k.matrix()));
        matrices.stream().filter(m -> !touched.contains(m)).forEach(unmeasured::add);
        matrices.removeAll(unmeasured);
        expected.removeIf(key -> unmeasured.contains(key.matrix()));
    }

    private static int rank(TrialRecord record) {
        return switch (record.status()) {
            case TrialRecord.FAILED -> 2;
            case TrialRecord.OK -> 1;
            default -> 0;
        };
    }

    Summary time(String matrix, Setting setting, String variant) {
        return times.get(new Key(matrix, setting.batch(), setting.threads(), variant));
    }

    /** Bytes of the weights, or -1 when no trial recorded them. */
    long bytes(String matrix, String variant) {
        return bytes.getOrDefault(matrix + " " + variant, -1L);
    }

    /** Read bandwidth at {@code threads} threads in bytes per nanosecond (GB/s), or NaN if not measured. */
    double bytesPerNano(int threads) {
        Summary s = bandwidthNs.get(threads);
        return s == null ? Double.NaN : bandwidthBytes.get(threads) / s.median();
    }

    /** The settings the plan expected for {@code matrix}, in order of batch then threads. */
    List<Setting> settings(String matrix) {
        Set<Setting> settings = new TreeSet<>();
        for (Key key : expected) {
            if (key.matrix().equals(matrix)) {
                settings.add(new Setting(key.batch(), key.threads()));
            }
        }
        for (Key key : times.keySet()) {
            if (key.matrix().equals(matrix)) {
                settings.add(new Setting(key.batch(), key.threads()));
            }
        }
        return List.copyOf(settings);
    }

    /** The variants tried on {@code matrix}, OpenBLAS first. */
    List<String> variants(String matrix) {
        Set<String> found = new LinkedHashSet<>();
        found.add(Variant.OPENBLAS);
        for (String variant : variants) {
            boolean tried = expected.stream().anyMatch(k -> k.matrix().equals(matrix) && k.variant().equals(variant))
                    || times.keySet().stream().anyMatch(k -> k.matrix().equals(matrix) && k.variant().equals(variant));
            if (tried) {
                found.add(variant);
            }
        }
        return List.copyOf(found);
    }

    /** The fastest Tersor variant of {@code matrix} at {@code setting}, or null. */
    String fastest(String matrix, Setting setting) {
        String best = null;
        double bestTime = Double.POSITIVE_INFINITY;
        for (String variant : variants(matrix)) {
            Summary s = time(matrix, setting, variant);
            if (!Variant.OPENBLAS.equals(variant) && s != null && s.median() < bestTime) {
                best = variant;
                bestTime = s.median();
            }
        }
        return best;
    }

    /** Bytes one product moves: the weights once, {@code X} and {@code Y} once each. */
    static long traffic(long weightBytes, int rows, int cols, int batch) {
        return weightBytes + 4L * cols * batch + 4L * rows * batch;
    }
}
