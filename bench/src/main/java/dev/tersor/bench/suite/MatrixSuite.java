package dev.tersor.bench.suite;

import dev.tersor.bench.MatVecBenchmark;
import dev.tersor.bench.MatrixCases;
import dev.tersor.bench.ReadBandwidthBenchmark;
import dev.tersor.bench.Variant;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The matrix suite: read bandwidth for the roofline, then {@link MatVecBenchmark} over cases ×
 * variants × batch × threads.
 *
 * <ul>
 *   <li>full: every case, every format on every provider and OpenBLAS, B ∈ {1, 8, 32}, T ∈ {1, 2};
 *   <li>quick (with the model suite, about ten minutes): every format on the providers other than
 *       scalar; VGG-16 fc6 under deep-compression (the issue's goals) at B ∈ {1, 8} on one thread;
 *       fc7 at densities 1 % and 100 % (time across densities) at B = 1 on one thread;
 *   <li>smoke: every variant on a small MiniLM case at B ∈ {1, 8}, T ∈ {1, 2}, and on VGG-16 fc6 at
 *       B = 1, T = 1, to prove the largest matrix sets up.
 * </ul>
 */
public final class MatrixSuite implements BenchSuite {

    public static final String NAME = "matrix";

    /** JMH class names of this suite, as {@link JmhRun#benchmark()} holds them. */
    public static final String MATVEC = MatVecBenchmark.class.getSimpleName();
    public static final String BANDWIDTH = ReadBandwidthBenchmark.class.getSimpleName();

    static final List<String> QUICK_CASES = List.of(
            MatrixCases.VGG16_FC6.name() + "@" + MatrixCases.DEEP_COMPRESSION,
            MatrixCases.VGG16_FC7.name() + "@" + MatrixCases.EXTREME,
            MatrixCases.VGG16_FC7.name() + "@" + MatrixCases.QUANTIZED_DENSE_K16);

    static final List<String> SMOKE_CASES = List.of(MatrixCases.MINILM_FFN_UP.name() + "@" + MatrixCases.EXTREME);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<JmhRun> runs(Preset preset, Environment environment) {
        List<JmhRun> runs = new ArrayList<>();
        switch (preset) {
            case FULL -> {
                runs.add(bandwidth(1024));
                runs.add(matvec("all cases", MatrixCases.ids(), variants(environment.formats(), environment.providers()),
                        List.of(1, 8, 32), List.of(1, 2)));
            }
            case QUICK -> {
                List<String> variants = variants(environment.formats(), environment.fastProviders());
                runs.add(bandwidth(1024));
                List<String> goalCase = List.of(QUICK_CASES.getFirst());
                runs.add(matvec("goals, one thread", goalCase, variants, List.of(1, 8), List.of(1)));
                // the other densities on the preferred provider only, which keeps the quick plan within ten minutes
                List<String> preferred = variants(environment.formats(), List.of(environment.preferredProvider()));
                runs.add(matvec("densities", QUICK_CASES.subList(1, QUICK_CASES.size()), preferred, List.of(1),
                        List.of(1)));
            }
            case SMOKE -> {
                List<String> variants = variants(environment.formats(), environment.providers());
                runs.add(bandwidth(256));
                runs.add(matvec("small case", SMOKE_CASES, variants, List.of(1, 8), List.of(1, 2)));
                runs.add(matvec("largest case", List.of(QUICK_CASES.getFirst()), variants, List.of(1), List.of(1)));
            }
        }
        return runs;
    }

    /** OpenBLAS first, then each format on each provider, in registration order. */
    public static List<String> variants(List<String> formats, List<String> providers) {
        List<String> variants = new ArrayList<>();
        variants.add(Variant.OPENBLAS);
        for (String format : formats) {
            for (String provider : providers) {
                variants.add(Variant.of(format, provider).id());
            }
        }
        return variants;
    }

    public static JmhRun bandwidth(int mebibytes) {
        Map<String, List<String>> params = new LinkedHashMap<>();
        params.put("mebibytes", List.of(String.valueOf(mebibytes)));
        params.put("threads", List.of("1", "2"));
        return new JmhRun("read bandwidth", BANDWIDTH, params);
    }

    public static JmhRun matvec(String label, List<String> cases, List<String> variants, List<Integer> batches,
                         List<Integer> threads) {
        Map<String, List<String>> params = new LinkedHashMap<>();
        params.put("matrix", cases);
        params.put("batch", batches.stream().map(String::valueOf).toList());
        params.put("threads", threads.stream().map(String::valueOf).toList());
        params.put("variant", variants);
        return new JmhRun("matrix, " + label, MATVEC, params);
    }
}
