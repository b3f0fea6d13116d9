package dev.tersor.bench.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.tersor.bench.MatrixCases;
import dev.tersor.bench.RefusingFormat;
import dev.tersor.bench.TrialLog;
import dev.tersor.bench.TrialRecord;
import dev.tersor.bench.report.BenchResults;
import dev.tersor.bench.report.JmhEntry;
import dev.tersor.bench.report.ReportWriter;
import dev.tersor.bench.suite.Iterations;
import dev.tersor.bench.suite.JmhRun;
import dev.tersor.bench.suite.MatrixSuite;
import dev.tersor.bench.suite.SuitePlan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The whole pipeline on a tiny plan: JMH forks, trial log, JMH's JSON, report and charts. One short
 * iteration per trial; nothing here looks at the timings.
 */
class SuiteRunnerTest {

    @Test
    void aTinyPlanRunsEndToEnd(@TempDir Path dir) throws IOException {
        String matrix = MatrixCases.MINILM_FFN_DOWN.name() + "@" + MatrixCases.EXTREME;
        Map<String, List<String>> bandwidth = new LinkedHashMap<>();
        bandwidth.put("mebibytes", List.of("4"));
        bandwidth.put("threads", List.of("1"));
        List<JmhRun> runs = List.of(new JmhRun("read bandwidth", MatrixSuite.BANDWIDTH, bandwidth),
                MatrixSuite.matvec("tiny", List.of(matrix),
                        List.of("openblas", "csr/scalar", "cser/scalar", RefusingFormat.NAME + "/scalar"),
                        List.of(2), List.of(1)));
        SuitePlan plan = new SuitePlan("smoke", List.of(MatrixSuite.NAME), runs, new Iterations(0, 1, 1, 20, 1), 1, "512m");
        Path out = dir.resolve("run");
        ByteArrayOutputStream log = new ByteArrayOutputStream();

        Path report = SuiteRunner.run(plan, out, "test", new PrintStream(log, true, StandardCharsets.UTF_8));

        BenchResults results = BenchResults.read(out);
        assertThat(results.entries(MatrixSuite.BANDWIDTH)).hasSize(1);
        assertThat(results.entries(MatrixSuite.MATVEC)).extracting(e -> e.param("variant"))
                .containsExactlyInAnyOrder("openblas", "csr/scalar", "cser/scalar");
        for (JmhEntry entry : results.entries()) {
            assertThat(entry.samplesNs()).hasSize(1).allMatch(ns -> ns > 0);
        }
        List<TrialRecord> trials = TrialLog.read(out.resolve(BenchResults.TRIALS));
        assertThat(trials).hasSize(4);
        TrialRecord refused = trials.stream().filter(t -> t.variant().startsWith(RefusingFormat.NAME)).findFirst().orElseThrow();
        assertThat(refused.status()).isEqualTo(TrialRecord.SKIPPED);
        assertThat(refused.message()).contains(RefusingFormat.REASON);
        assertThat(trials).filteredOn(TrialRecord::ok).hasSize(3).allMatch(t -> t.bytes() > 0 && t.rows() == 384);

        String markdown = Files.readString(report);
        assertThat(markdown).contains("# Tersor benchmark report", "#### " + matrix, "`cser/scalar`",
                "`refusing/scalar` on " + matrix + " — skipped: refusing cannot encode this matrix",
                "## Against ONNX Runtime");
        Path chart = out.resolve(ReportWriter.CHARTS).resolve("size-time-minilm-ffn-down-extreme-b2-t1.png");
        assertThat(markdown).contains("charts/size-time-minilm-ffn-down-extreme-b2-t1.png");
        assertThat(ImageIO.read(chart.toFile()).getWidth()).isEqualTo(1000);
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("4 results", "1 trials skipped");

        assertThatThrownBy(() -> SuiteRunner.run(plan, out, "test", new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8))).hasMessageContaining("already holds benchmark results");
    }

    /** The full preset's way: one JVM per matrix and variant, JMH unforked inside it over batches and threads. */
    @Test
    void sharedJvmsMeasureEveryBatchAndThreadCountOfAVariant(@TempDir Path dir) {
        String matrix = MatrixCases.MINILM_FFN_DOWN.name() + "@" + MatrixCases.EXTREME;
        List<JmhRun> runs = List.of(MatrixSuite.matvec("shared", List.of(matrix),
                List.of("openblas", "cser/scalar", RefusingFormat.NAME + "/scalar"), List.of(1, 2), List.of(1, 2)));
        SuitePlan plan = new SuitePlan("full", List.of(MatrixSuite.NAME), runs, new Iterations(0, 1, 1, 20, 1), 1, "512m",
                true);
        Path out = dir.resolve("run");
        ByteArrayOutputStream log = new ByteArrayOutputStream();

        SuiteRunner.run(plan, out, "test", new PrintStream(log, true, StandardCharsets.UTF_8));

        BenchResults results = BenchResults.read(out);
        assertThat(results.entries(MatrixSuite.MATVEC)).hasSize(8)
                .extracting(e -> e.param("variant") + " B=" + e.param("batch") + " T=" + e.param("threads"))
                .containsExactlyInAnyOrder("openblas B=1 T=1", "openblas B=1 T=2", "openblas B=2 T=1", "openblas B=2 T=2",
                        "cser/scalar B=1 T=1", "cser/scalar B=1 T=2", "cser/scalar B=2 T=1", "cser/scalar B=2 T=2");
        List<TrialRecord> trials = TrialLog.read(out.resolve(BenchResults.TRIALS));
        assertThat(trials).hasSize(12);
        assertThat(trials).filteredOn(t -> t.variant().startsWith(RefusingFormat.NAME))
                .hasSize(4).allMatch(t -> t.status().equals(TrialRecord.SKIPPED));
        assertThat(log.toString(StandardCharsets.UTF_8)).contains(matrix + ", cser/scalar in one JVM", "8 results",
                "4 trials skipped");
    }

    /**
     * A full run stopped while one variant's JVM was running: its results are missing and it left a
     * partial trial record. Resuming runs that variant alone and counts each point once.
     */
    @Test
    void aStoppedRunResumesWithWhatItLacks(@TempDir Path dir) throws IOException {
        String matrix = MatrixCases.MINILM_FFN_DOWN.name() + "@" + MatrixCases.EXTREME;
        List<JmhRun> runs = List.of(MatrixSuite.matvec("shared", List.of(matrix),
                List.of("openblas", "csr/scalar", RefusingFormat.NAME + "/scalar"), List.of(1, 2), List.of(1)));
        SuitePlan plan = new SuitePlan("full", List.of(MatrixSuite.NAME), runs, new Iterations(0, 1, 1, 20, 1), 1, "512m",
                true);
        Path out = dir.resolve("run");
        SuiteRunner.run(plan, out, "test", new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));

        Path jmh = out.resolve(BenchResults.JMH);
        ObjectMapper json = new ObjectMapper();
        ArrayNode stopped = json.createArrayNode();
        json.readTree(jmh.toFile()).forEach(r -> {
            if (!r.path("params").path("variant").asText().equals("csr/scalar")) {
                stopped.add(r);
            }
        });
        json.writeValue(jmh.toFile(), stopped);
        Path trials = out.resolve(BenchResults.TRIALS);
        TrialRecord partial = TrialLog.read(trials).stream().filter(t -> t.variant().equals("csr/scalar")).findFirst()
                .orElseThrow();
        TrialLog.append(trials, partial);
        Files.writeString(out.resolve("jmh-part.json"), "[");
        assertThat(SuiteRunner.doneTrials(plan, out)).isEqualTo(4);

        ByteArrayOutputStream log = new ByteArrayOutputStream();
        SuiteRunner.resume(out, new PrintStream(log, true, StandardCharsets.UTF_8));

        String text = log.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("4 of 6 trials done", matrix + ", openblas was measured before",
                matrix + ", refusing/scalar was measured before", matrix + ", csr/scalar in one JVM");
        assertThat(text).doesNotContain("openblas in one JVM");
        BenchResults results = BenchResults.read(out);
        assertThat(results.entries(MatrixSuite.MATVEC))
                .extracting(e -> e.param("variant") + " B=" + e.param("batch"))
                .containsExactlyInAnyOrder("openblas B=1", "openblas B=2", "csr/scalar B=1", "csr/scalar B=2");
        assertThat(TrialLog.read(trials)).hasSize(6);
        assertThat(out.resolve("jmh-part.json")).doesNotExist();
        assertThat(SuiteRunner.doneTrials(plan, out)).isEqualTo(6);

        SuitePlan twoRounds = plan.withRounds(2);
        twoRounds.write(out.resolve(BenchResults.PLAN));
        assertThatThrownBy(() -> SuiteRunner.resume(out, new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8))).hasMessageContaining("only a run of one round can be resumed");
        assertThatThrownBy(() -> SuiteRunner.resume(dir, new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8))).hasMessageContaining("not the folder of a ./tersor bench run");
    }
}
