package dev.tersor.bench.suite;

import dev.tersor.bench.MiniLmBenchmark;
import dev.tersor.bench.MiniLmLoadBenchmark;
import dev.tersor.bench.model.ModelForm;
import dev.tersor.bench.model.ModelWorkload;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The model suite: all-MiniLM-L6-v2 in its five {@link ModelForm}s. Load time of each form, then one
 * JMH run per workload and thread count with every form in it, so the forms run back to back:
 *
 * <ul>
 *   <li>quick and full: batch 1 at 11 and 128 tokens, batch 32 at 11 tokens, each at 1 and 2
 *       threads (the grid; the presets differ in iterations only);
 *   <li>smoke: batch 1, 11 tokens, one thread.
 * </ul>
 */
public final class ModelSuite implements BenchSuite {

    public static final String NAME = "model";
    public static final String LATENCY = MiniLmBenchmark.class.getSimpleName();
    public static final String LOAD = MiniLmLoadBenchmark.class.getSimpleName();
    /**
     * The collector flags of the model suite's forks, the ones {@code ./tersor embed}, {@code run} and
     * {@code serve} use, so its memory figures are what those commands hold: under G1, the Vector API's
     * warm-up garbage grew the heap by hundreds of MiB.
     */
    public static final List<String> GC_FLAGS = List.of("-XX:+UseSerialGC", "-Xmn16m");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<JmhRun> runs(Preset preset, Environment environment) {
        List<JmhRun> runs = new ArrayList<>();
        runs.add(load(ModelForm.ids()));
        if (preset == Preset.SMOKE) {
            runs.add(latency(ModelForm.ids(), ModelWorkload.SHORT, 1));
            return runs;
        }
        for (int threads : List.of(1, 2)) {
            for (ModelWorkload workload : ModelWorkload.ALL) {
                runs.add(latency(ModelForm.ids(), workload, threads));
            }
        }
        return runs;
    }

    /** The workloads {@code runs} use: what the runner prepares references for. */
    public static List<ModelWorkload> workloads(List<JmhRun> runs) {
        return runs.stream().filter(r -> r.benchmark().equals(LATENCY)).flatMap(r -> r.values("workload").stream())
                .distinct().map(ModelWorkload::parse).toList();
    }

    public static JmhRun load(List<String> forms) {
        return new JmhRun("model, load time", LOAD, Map.of("form", forms));
    }

    public static JmhRun latency(List<String> forms, ModelWorkload workload, int threads) {
        Map<String, List<String>> params = new LinkedHashMap<>();
        params.put("form", forms);
        params.put("workload", List.of(workload.id()));
        params.put("threads", List.of(String.valueOf(threads)));
        return new JmhRun("model, " + workload.id() + " T=" + threads, LATENCY, params);
    }
}
