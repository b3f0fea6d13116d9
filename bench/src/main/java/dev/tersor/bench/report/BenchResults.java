package dev.tersor.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tersor.bench.TrialLog;
import dev.tersor.bench.TrialRecord;
import dev.tersor.bench.suite.MachineInfo;
import dev.tersor.bench.suite.SuitePlan;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a run left in its output folder, read back: the plan, the machine, JMH's JSON and the
 * trial log. The report is built from these files alone, so it can be rebuilt at any time.
 */
public record BenchResults(SuitePlan plan, MachineInfo machine, List<JmhEntry> entries, List<TrialRecord> trials) {

    public static final String PLAN = "plan.json";
    public static final String MACHINE = "machine.json";
    public static final String JMH = "jmh-result.json";
    public static final String TRIALS = "trials.jsonl";

    private static final ObjectMapper JSON = new ObjectMapper();

    public BenchResults {
        entries = List.copyOf(entries);
        trials = List.copyOf(trials);
    }

    public static BenchResults read(Path dir) {
        for (String name : List.of(PLAN, MACHINE, JMH)) {
            if (!Files.isRegularFile(dir.resolve(name))) {
                throw new IllegalArgumentException(dir + " holds no " + name + "; is it the output folder of ./tersor bench?");
            }
        }
        return new BenchResults(SuitePlan.read(dir.resolve(PLAN)), MachineInfo.read(dir.resolve(MACHINE)),
                readJmh(dir.resolve(JMH)), TrialLog.read(dir.resolve(TRIALS)));
    }

    /** Parses JMH's JSON result format (average-time mode, any time unit). */
    public static List<JmhEntry> readJmh(Path file) {
        try {
            JsonNode root = JSON.readTree(file.toFile());
            List<JmhEntry> entries = new ArrayList<>();
            for (JsonNode node : root) {
                String full = node.path("benchmark").asText();
                int dot = full.lastIndexOf('.');
                String benchmark = benchmarkClass(node);
                Map<String, String> params = params(node);
                JsonNode metric = node.path("primaryMetric");
                double toNs = nanosPer(metric.path("scoreUnit").asText());
                List<Double> samples = new ArrayList<>();
                for (JsonNode fork : metric.path("rawData")) {
                    for (JsonNode value : fork) {
                        samples.add(value.asDouble() * toNs);
                    }
                }
                if (!samples.isEmpty()) {
                    entries.add(new JmhEntry(benchmark, full.substring(dot + 1), params, samples));
                }
            }
            return entries;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read JMH results " + file, e);
        }
    }

    /** The simple class name of one result of JMH's JSON: {@code MatVecBenchmark} of {@code dev.….MatVecBenchmark.multiply}. */
    public static String benchmarkClass(JsonNode result) {
        String full = result.path("benchmark").asText();
        String className = full.substring(0, Math.max(0, full.lastIndexOf('.')));
        return className.substring(className.lastIndexOf('.') + 1);
    }

    /** The parameters of one result of JMH's JSON, in its order. */
    public static Map<String, String> params(JsonNode result) {
        Map<String, String> params = new LinkedHashMap<>();
        result.path("params").properties().forEach(p -> params.put(p.getKey(), p.getValue().asText()));
        return params;
    }

    static double nanosPer(String unit) {
        return switch (unit) {
            case "ns/op" -> 1;
            case "us/op" -> 1e3;
            case "ms/op" -> 1e6;
            case "s/op" -> 1e9;
            default -> throw new IllegalArgumentException("unsupported JMH score unit '" + unit
                    + "'; the suites measure average time per operation");
        };
    }

    /** The entries of one benchmark class. */
    public List<JmhEntry> entries(String benchmark) {
        return entries.stream().filter(e -> e.benchmark().equals(benchmark)).toList();
    }
}
