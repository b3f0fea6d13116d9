package dev.tersor.bench.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tersor.bench.MiniLmBenchmark;
import dev.tersor.bench.model.ModelForm;
import dev.tersor.bench.model.ModelTrialLog;
import dev.tersor.bench.model.ModelTrialRecord;
import dev.tersor.bench.model.ModelWorkload;
import dev.tersor.bench.model.PreparedModels;
import dev.tersor.bench.report.BenchResults;
import dev.tersor.bench.report.JmhEntry;
import dev.tersor.bench.suite.Iterations;
import dev.tersor.bench.suite.JmhRun;
import dev.tersor.bench.suite.ModelSuite;
import dev.tersor.bench.suite.SuitePlan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The model suite end to end on all-MiniLM-L6-v2 (fetched by the runtime module's build): the models
 * prepared in their own JVM, JMH forks for load time and one workload, the trial log and the report.
 * One short iteration per trial; nothing here looks at the timings. Then a form whose output does
 * not match its reference is refused before it is timed.
 */
class ModelSuiteRunnerTest {

    @Test
    void theModelSuiteRunsEndToEndAndRefusesWrongOutputs(@TempDir Path dir) throws IOException {
        List<JmhRun> runs = List.of(ModelSuite.load(List.of("tersor-int8", "ort-int8")),
                ModelSuite.latency(ModelForm.ids(), ModelWorkload.SHORT, 1));
        SuitePlan plan = new SuitePlan("smoke", List.of(ModelSuite.NAME), runs, new Iterations(0, 1, 1, 20, 1), 1, "1g");
        Path out = dir.resolve("run");
        ByteArrayOutputStream log = new ByteArrayOutputStream();

        Path report = SuiteRunner.run(plan, out, "test", new PrintStream(log, true, StandardCharsets.UTF_8));

        BenchResults results = BenchResults.read(out);
        assertThat(results.entries(ModelSuite.LOAD)).extracting(e -> e.param("form"))
                .containsExactlyInAnyOrder("tersor-int8", "ort-int8");
        boolean compressed = PreparedModels.read(out.resolve(SuiteRunner.MODELS)).files()
                .containsKey(ModelForm.TERSOR_COMPRESSED.id());
        List<String> timed = results.entries(ModelSuite.LATENCY).stream().map(e -> e.param("form")).toList();
        assertThat(timed).contains("tersor-fp32", "tersor-int8", "ort-fp32", "ort-int8").hasSize(compressed ? 5 : 4);
        for (JmhEntry entry : results.entries()) {
            assertThat(entry.samplesNs()).hasSize(1).allMatch(ns -> ns > 0);
        }
        List<ModelTrialRecord> trials = ModelTrialLog.read(out.resolve(ModelTrialLog.FILE));
        List<ModelTrialRecord> latency = trials.stream().filter(t -> t.benchmark().equals(ModelSuite.LATENCY)).toList();
        assertThat(latency).hasSize(5);
        for (ModelTrialRecord t : latency) {
            if (!t.ok()) {
                assertThat(t.form()).isEqualTo(ModelForm.TERSOR_COMPRESSED.id());
                assertThat(t.status()).isEqualTo("skipped");
                assertThat(t.message()).contains("no ModelCompressor");
                continue;
            }
            ModelForm form = ModelForm.of(t.form());
            assertThat(t.cosine()).as(t.form()).isGreaterThanOrEqualTo(form.minCosine()).isLessThanOrEqualTo(1 + 1e-9);
            assertThat(t.reference()).isEqualTo(form.reference().id());
            assertThat(t.fileBytes()).isPositive();
            assertThat(t.peakResident()).isGreaterThanOrEqualTo(t.residentLoaded()).isPositive();
            assertThat(t.weightBytes() > 0).isEqualTo(!form.isOnnxRuntime());
            // Tersor's weights are mapped or allocated off-heap; a transcoded layer's memory need not
            // show in the JVM's buffer pools, so only presence is checked, not the sum
            if (!form.isOnnxRuntime()) {
                assertThat(t.offHeapBytes()).as(t.form()).isPositive();
            }
        }
        // the int8 import keeps the integer weights as codebook matrices, smaller than the fp32 ones
        long fp32 = latency.stream().filter(t -> t.form().equals("tersor-fp32")).findFirst().orElseThrow().weightBytes();
        long int8 = latency.stream().filter(t -> t.form().equals("tersor-int8")).findFirst().orElseThrow().weightBytes();
        assertThat(int8).isLessThan(fp32);
        // the prepared .tsr files are deleted with the run; the manifest stays for the report
        try (var files = Files.list(out.resolve(SuiteRunner.MODELS))) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tsr"));
        }

        String md = Files.readString(report);
        assertThat(md).contains("## Model suite: all-MiniLM-L6-v2 against ONNX Runtime", "### Latency",
                "**Speed-up against ONNX Runtime fp32**", "**Speed-up against ONNX Runtime int8**", "### Load time",
                "### Memory", "### Reference checks", "`tersor-int8` cser ×")
                .doesNotContain("No suite of this run compares with ONNX Runtime");
        if (!compressed) {
            assertThat(md).contains("**`tersor-compressed` is missing from this run**",
                    "`tersor-compressed` latency — skipped: tersor-compressed is not available");
        }
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("preparing the models", (compressed ? 7 : 6) + " results");

        refusesAFormWhoseOutputsDoNotMatch(out);
    }

    /** The same prepared models with the reference's signs flipped: the check must fail before timing. */
    private static void refusesAFormWhoseOutputsDoNotMatch(Path out) throws IOException {
        Path models = out.resolve(SuiteRunner.MODELS);
        PreparedModels.prepare(models, List.of(ModelWorkload.SHORT), List.of());
        ObjectMapper json = new ObjectMapper();
        PreparedModels.Manifest manifest = PreparedModels.read(models);
        float[][] reference = manifest.reference(ModelForm.ORT_FP32, ModelWorkload.SHORT);
        for (float[] row : reference) {
            for (int i = 0; i < row.length; i++) {
                row[i] = -row[i];
            }
        }
        json.writeValue(models.resolve(PreparedModels.MANIFEST).toFile(), manifest);
        String previous = System.setProperty(PreparedModels.PROPERTY, models.toString());
        try {
            MiniLmBenchmark benchmark = new MiniLmBenchmark();
            benchmark.form = "tersor-int8";
            benchmark.workload = ModelWorkload.SHORT.id();
            benchmark.threads = 1;
            assertThatThrownBy(benchmark::setUp).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("tersor-int8 gives wrong outputs on b1-t11")
                    .hasMessageContaining("to ort-fp32, needs 0.97");
        } finally {
            if (previous == null) {
                System.clearProperty(PreparedModels.PROPERTY);
            } else {
                System.setProperty(PreparedModels.PROPERTY, previous);
            }
            PreparedModels.deleteModelFiles(models);
        }
    }
}
