package dev.tersor.bench.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.tersor.bench.TrialRecord;
import dev.tersor.bench.model.ModelTrialLog;
import dev.tersor.bench.report.BenchResults;
import dev.tersor.bench.suite.MatrixSuite;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a run folder already holds, so that {@code tersor bench --resume} measures only the rest. A
 * point (one benchmark, one value per parameter) is done when JMH's JSON has its result, or when its
 * trial was logged as skipped or failed. Before a point runs again, whatever a stopped JVM left of it
 * (results, trial records) is forgotten, so the report counts every point once.
 *
 * <p>A fresh run starts from {@link #fresh}, for which nothing is done: its rounds must repeat points.
 */
final class RunProgress {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final boolean resuming;
    private final ArrayNode results;
    /** The points the stopped run measured, as (benchmark, parameters). */
    private final Set<Map.Entry<String, Map<String, String>>> measured = new HashSet<>();
    /** The skipped and failed trials the stopped run logged, per log; forks append to the files later. */
    private final Map<Path, List<JsonNode>> notMeasurable = new LinkedHashMap<>();

    private RunProgress(Path dir, boolean resuming, ArrayNode results) {
        this.dir = dir;
        this.resuming = resuming;
        this.results = results;
        if (resuming) {
            results.forEach(r -> measured.add(Map.entry(BenchResults.benchmarkClass(r), BenchResults.params(r))));
            logs().forEach(log -> notMeasurable.put(log, lines(log).stream()
                    .filter(r -> !TrialRecord.OK.equals(r.path("status").asText())).toList()));
        }
    }

    /** A run that starts in the empty folder {@code dir}. */
    static RunProgress fresh(Path dir) {
        return new RunProgress(dir, false, JSON.createArrayNode());
    }

    /** A stopped run in {@code dir}: its JMH results so far and its trial logs. */
    static RunProgress resume(Path dir) {
        Path jmh = dir.resolve(BenchResults.JMH);
        ArrayNode results = JSON.createArrayNode();
        if (Files.isRegularFile(jmh)) {
            try {
                JSON.readTree(jmh.toFile()).forEach(results::add);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + jmh, e);
            }
        }
        return new RunProgress(dir, true, results);
    }

    /** Every result so far, in JMH's JSON format; the runner appends to it. */
    ArrayNode results() {
        return results;
    }

    boolean done(String benchmark, Map<String, String> point) {
        if (!resuming) {
            return false;
        }
        if (measured.contains(Map.entry(benchmark, point))) {
            return true;
        }
        for (Map.Entry<Path, List<JsonNode>> log : notMeasurable.entrySet()) {
            for (JsonNode record : log.getValue()) {
                if (matches(record, log.getKey(), benchmark, point)) {
                    return true;
                }
            }
        }
        return false;
    }

    boolean allDone(String benchmark, List<Map<String, String>> points) {
        return points.stream().allMatch(p -> done(benchmark, p));
    }

    /** Drops the results and trial records of {@code points}, which are about to run again. */
    void forget(String benchmark, List<Map<String, String>> points) {
        if (!resuming) {
            return;
        }
        for (int i = results.size() - 1; i >= 0; i--) {
            JsonNode result = results.get(i);
            if (BenchResults.benchmarkClass(result).equals(benchmark) && points.contains(BenchResults.params(result))) {
                results.remove(i);
            }
        }
        for (Path log : logs()) {
            List<JsonNode> records = lines(log);
            List<JsonNode> kept = records.stream()
                    .filter(r -> points.stream().noneMatch(p -> matches(r, log, benchmark, p))).toList();
            if (kept.size() < records.size()) {
                StringBuilder text = new StringBuilder();
                kept.forEach(r -> text.append(r).append('\n'));
                try {
                    Files.writeString(log, text, StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot rewrite " + log, e);
                }
            }
        }
    }

    /** Every combination of one value per parameter, in the parameters' order. */
    static List<Map<String, String>> points(Map<String, List<String>> params) {
        List<Map<String, String>> points = new ArrayList<>(List.of(Map.of()));
        for (Map.Entry<String, List<String>> param : params.entrySet()) {
            List<Map<String, String>> next = new ArrayList<>();
            for (Map<String, String> point : points) {
                for (String value : param.getValue()) {
                    Map<String, String> extended = new LinkedHashMap<>(point);
                    extended.put(param.getKey(), value);
                    next.add(extended);
                }
            }
            points = next;
        }
        return points;
    }

    private List<Path> logs() {
        return List.of(dir.resolve(BenchResults.TRIALS), dir.resolve(ModelTrialLog.FILE));
    }

    /**
     * Whether a trial record belongs to a point: the matrix trial log holds {@code MatVecBenchmark}
     * records without naming the benchmark; the model log names it. Fields the point has no parameter
     * for (a load trial's workload) do not count.
     */
    private static boolean matches(JsonNode record, Path log, String benchmark, Map<String, String> point) {
        String recorded = record.has("benchmark") ? record.get("benchmark").asText()
                : log.getFileName().toString().equals(BenchResults.TRIALS) ? MatrixSuite.MATVEC : "";
        if (!recorded.equals(benchmark)) {
            return false;
        }
        for (Map.Entry<String, String> param : point.entrySet()) {
            JsonNode field = record.get(param.getKey());
            if (field != null && !field.asText().equals(param.getValue())) {
                return false;
            }
        }
        return true;
    }

    private static List<JsonNode> lines(Path log) {
        if (!Files.isRegularFile(log)) {
            return List.of();
        }
        try {
            List<JsonNode> records = new ArrayList<>();
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    records.add(JSON.readTree(line));
                }
            }
            return records;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the trial log " + log, e);
        }
    }
}
