package dev.tersor.bench.matvec;

import dev.tersor.bench.Contender;
import dev.tersor.bench.TrialSkippedException;
import dev.tersor.bench.Variant;
import dev.tersor.bench.Workload;
import dev.tersor.bench.blas.OpenBlas;
import dev.tersor.bench.report.Summary;
import dev.tersor.format.MatrixFormat;
import dev.tersor.format.MatrixFormats;
import dev.tersor.format.QuantizedMatrix;

import java.util.ArrayList;
import java.util.List;

/**
 * A quick in-process measurement of one layer, for users exploring a shape and its statistics: not
 * JMH, but honest within its means. Every format and OpenBLAS are prepared and checked against the
 * reference, warmed up, then timed in alternating rounds (OpenBLAS, each format, then the reverse
 * order), each round a repeated call long enough to time reliably; medians are reported with their
 * interquartile range. OpenBLAS must load before anything is measured.
 */
public final class MatVecHarness {

    /**
     * @param warmupNanos longest warm-up of each contender before timing (see {@link Contender#warmUp})
     * @param runNanos    target length of one timed run (calls are repeated to fill it)
     * @param runs        timed runs per contender; the median is taken over them
     */
    public record Settings(long warmupNanos, long runNanos, int runs) {
        public static final Settings DEFAULT = new Settings(5_000_000_000L, 20_000_000L, 15);

        public Settings {
            if (warmupNanos < 0 || runNanos < 1 || runs < 1) {
                throw new IllegalArgumentException("invalid harness settings " + this);
            }
        }
    }

    /**
     * One format's outcome.
     *
     * @param status        {@code ok}, {@code skipped} (cannot encode, provider unavailable) or
     *                      {@code failed} (wrong product)
     * @param time          ns per product; null unless ok
     * @param speedUpVsBlas OpenBLAS's median over this format's; NaN unless ok
     */
    public record FormatResult(String format, String status, Summary time, long bytes, double speedUpVsBlas,
                               String message) {
        public boolean ok() {
            return "ok".equals(status);
        }
    }

    /** The whole measurement: the layer, how it ran, the baseline and every registered format. */
    public record Result(int rows, int cols, int batch, int threads, String provider, String blasRoutine,
                         String blasLibrary, Summary blasTime, long blasBytes, List<FormatResult> formats) {
    }

    private MatVecHarness() {
    }

    /**
     * Measures every format of {@link MatrixFormats#all()} on {@code provider} against OpenBLAS, all with
     * {@code threads} threads, on {@code source} times a fixed random input of {@code batch} columns.
     *
     * @throws dev.tersor.bench.blas.OpenBlasUnavailableException before any measurement, if OpenBLAS is missing
     */
    public static Result run(QuantizedMatrix source, int batch, int threads, String provider, Settings settings) {
        OpenBlas blas = OpenBlas.load();
        List<Contender> timed = new ArrayList<>();
        List<FormatResult> outcomes = new ArrayList<>();
        try (Workload workload = new Workload(source, batch)) {
            try {
                Contender baseline = Contender.open(Variant.openBlas(), workload, threads);
                timed.add(baseline);
                baseline.verify();
                List<String> names = new ArrayList<>();
                for (MatrixFormat format : MatrixFormats.all()) {
                    names.add(format.name());
                    Contender contender;
                    try {
                        contender = Contender.open(Variant.of(format.name(), provider), workload, threads);
                    } catch (TrialSkippedException e) {
                        outcomes.add(new FormatResult(format.name(), "skipped", null, 0, Double.NaN, e.getMessage()));
                        continue;
                    }
                    try {
                        contender.verify();
                    } catch (IllegalStateException e) {
                        contender.close();
                        outcomes.add(new FormatResult(format.name(), "failed", null, 0, Double.NaN, e.getMessage()));
                        continue;
                    }
                    timed.add(contender);
                    outcomes.add(null);
                }
                List<Summary> times = measure(timed, settings);
                Summary blasTime = times.getFirst();
                int next = 1;
                for (int i = 0; i < outcomes.size(); i++) {
                    if (outcomes.get(i) == null) {
                        Contender c = timed.get(next);
                        Summary time = times.get(next++);
                        outcomes.set(i, new FormatResult(names.get(i), "ok", time, c.bytes(),
                                blasTime.median() / time.median(), ""));
                    }
                }
                return new Result(source.rows(), source.cols(), batch, threads, provider, batch == 1 ? "sgemv" : "sgemm",
                        blas.library(), blasTime, baseline.bytes(), List.copyOf(outcomes));
            } finally {
                timed.forEach(Contender::close);
            }
        }
    }

    /** Warms each contender up, then times them in alternating rounds; one summary (ns per product) each. */
    static List<Summary> measure(List<Contender> contenders, Settings settings) {
        int n = contenders.size();
        int[] reps = new int[n];
        for (int i = 0; i < n; i++) {
            Contender c = contenders.get(i);
            c.warmUp(settings.warmupNanos());
            long single = time(c, 1);
            reps[i] = (int) Math.max(1, Math.min(1_000_000, settings.runNanos() / Math.max(1, single)));
        }
        List<List<Double>> samples = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            samples.add(new ArrayList<>());
        }
        for (int run = 0; run < settings.runs(); run++) {
            for (int k = 0; k < n; k++) {
                int i = run % 2 == 0 ? k : n - 1 - k;
                samples.get(i).add((double) time(contenders.get(i), reps[i]) / reps[i]);
            }
        }
        return samples.stream().map(Summary::of).toList();
    }

    private static long time(Contender contender, int reps) {
        long start = System.nanoTime();
        for (int r = 0; r < reps; r++) {
            contender.multiply();
        }
        return System.nanoTime() - start;
    }
}
