package dev.tersor.bench.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tersor.bench.model.ModelForm;
import dev.tersor.bench.model.ModelTrialLog;
import dev.tersor.bench.model.ModelTrialRecord;
import dev.tersor.bench.model.ModelWorkload;
import dev.tersor.bench.suite.Iterations;
import dev.tersor.bench.suite.JmhRun;
import dev.tersor.bench.suite.ModelSuite;
import dev.tersor.bench.suite.SuitePlan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The model section from hand-made results whose ratios are easy to check: ONNX Runtime fp32 takes
 * 10 ms on every sample, int8 4 ms, Tersor fp32 20 ms and int8 8 ms; the compressed form was skipped.
 */
class ModelReportTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Map<String, Object> entry(String benchmark, Map<String, String> params, String unit, double... samples) {
        Map<String, Object> metric = new LinkedHashMap<>();
        metric.put("scoreUnit", unit);
        List<Double> raw = new ArrayList<>();
        for (double s : samples) {
            raw.add(s);
        }
        metric.put("rawData", List.of(raw));
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("benchmark", "dev.tersor.bench." + benchmark + (benchmark.equals(ModelSuite.LOAD) ? ".load" : ".forward"));
        e.put("params", params);
        e.put("primaryMetric", metric);
        return e;
    }

    private static ModelTrialRecord ok(String form, String workload, long peak) {
        return new ModelTrialRecord(ModelSuite.LATENCY, form, workload, 1, "ok", "", 90_000_000,
                form.startsWith("tersor") ? 80_000_000 : -1, ModelForm.of(form).reference().id(),
                form.endsWith("fp32") ? 0.999999 : 0.99, 100L << 20, 250L << 20, peak,
                form.startsWith("tersor") ? 81_000_000 : -1);
    }

    @Test
    void ratiosAgainstBothOnnxRuntimesGoalsMemoryAndSkippedForms(@TempDir Path dir) throws IOException {
        List<String> forms = ModelForm.ids();
        List<JmhRun> runs = List.of(ModelSuite.load(forms), ModelSuite.latency(forms, ModelWorkload.SHORT, 1),
                ModelSuite.latency(forms, ModelWorkload.BATCH, 1));
        new SuitePlan("quick", List.of(ModelSuite.NAME), runs, new Iterations(1, 200, 3, 200, 1), 1, "4g")
                .write(dir.resolve(BenchResults.PLAN));
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("report-fixture/machine.json")) {
            Files.copy(in, dir.resolve(BenchResults.MACHINE));
        }
        Map<String, Double> millis = Map.of("tersor-fp32", 20.0, "tersor-int8", 8.0, "ort-fp32", 10.0, "ort-int8", 4.0);
        List<Map<String, Object>> jmh = new ArrayList<>();
        List<ModelTrialRecord> trials = new ArrayList<>();
        for (String form : forms) {
            if (form.equals(ModelForm.TERSOR_COMPRESSED.id())) {
                for (String w : List.of("b1-t11", "b32-t11")) {
                    trials.add(new ModelTrialRecord(ModelSuite.LATENCY, form, w, 1, "skipped", "no compressor here",
                            0, -1, "ort-fp32", Double.NaN, -1, -1, -1, -1));
                }
                continue;
            }
            double ms = millis.get(form);
            jmh.add(entry(ModelSuite.LOAD, Map.of("form", form), "ms/op", 2 * ms, 2 * ms, 2 * ms));
            jmh.add(entry(ModelSuite.LATENCY, Map.of("form", form, "workload", "b1-t11", "threads", "1"), "us/op",
                    ms * 1e3, ms * 1e3, ms * 1e3));
            jmh.add(entry(ModelSuite.LATENCY, Map.of("form", form, "workload", "b32-t11", "threads", "1"), "ms/op",
                    32 * ms, 32 * ms, 32 * ms));
            trials.add(ok(form, "b1-t11", 300L << 20));
            trials.add(ok(form, "b32-t11", 400L << 20));
        }
        JSON.writeValue(dir.resolve(BenchResults.JMH).toFile(), jmh);
        String previous = System.getProperty(ModelTrialLog.PROPERTY);
        System.setProperty(ModelTrialLog.PROPERTY, dir.resolve(ModelTrialLog.FILE).toString());
        try {
            trials.forEach(ModelTrialLog::append);
        } finally {
            if (previous == null) {
                System.clearProperty(ModelTrialLog.PROPERTY);
            } else {
                System.setProperty(ModelTrialLog.PROPERTY, previous);
            }
        }

        String md = Files.readString(ReportWriter.write(dir, List.of(new ModelReport())));

        assertThat(md).contains("## Model suite: all-MiniLM-L6-v2 against ONNX Runtime")
                .doesNotContain("No suite of this run compares with ONNX Runtime");
        assertThat(md).contains("| form | B=1 11 tok T=1 | B=32 11 tok T=1 |");
        // batch 32 in 320 ms: 100 sentences per second
        assertThat(md).contains("| `ort-fp32` | 10.0 ms (10.0–10.0) | 320 ms (320–320), 100/s |");
        assertThat(md).contains("| `tersor-compressed` | skipped | skipped |");
        // against ONNX Runtime fp32 (10 ms): Tersor fp32 at 20 ms is 0.5×, ONNX Runtime int8 2.5×
        assertThat(md).contains("| `tersor-fp32` | 0.500× | 0.500× |", "| `ort-int8` | 2.50× | 2.50× |");
        // against ONNX Runtime int8 (4 ms): Tersor int8 at 8 ms is 0.5×
        assertThat(md).contains("| `tersor-int8` | 0.500× | 0.500× |");
        assertThat(md).contains("| MiniLM compressed, batch 1, 11 tokens, 1 thread: latency ≤ ONNX Runtime fp32 | not measured | — |");
        assertThat(md).contains("| `tersor-int8` | 85.8 MiB | 16.0 ms (16.0–16.0) | 1.25× faster |");
        assertThat(md).contains("| `tersor-fp32` | 76.3 MiB | 150 MiB | 400 MiB (b32-t11 T=1) | 77.2 MiB |",
                "| `ort-int8` | — | 150 MiB | 400 MiB (b32-t11 T=1) | — |");
        assertThat(md).contains("| `tersor-int8` | `ort-fp32` | 2 | 0.990000 | 0.97 |",
                "| `ort-fp32` | `tersor-fp32` | 2 | 0.999999 | 0.9999 |");
        assertThat(md).contains("- `tersor-compressed` latency — skipped: no compressor here (b1-t11 T=1, b32-t11 T=1)",
                "- `tersor-compressed` load — no result and no trial record");
    }
}
