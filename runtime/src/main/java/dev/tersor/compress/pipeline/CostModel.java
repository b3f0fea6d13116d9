package dev.tersor.compress.pipeline;

import dev.tersor.format.FormatCostModel;
import dev.tersor.format.MatrixFormat;
import dev.tersor.format.MatrixFormats;
import dev.tersor.format.MatrixStatistics;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.format.WeightMatrix;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;

/**
 * Predicted batch-1 multiply time of a matrix in each format, for the {@code speed} objective:
 * {@code t = a·entries + b·nonZeros} per format, fitted from two timed matrices (all non-zero, and
 * 10 % non-zero), both 16 levels and 384 × 384 like a transformer's projections. The measurement
 * takes a few seconds, runs once per machine and is cached in a properties file keyed by the
 * formats, the processor count and the Java version.
 */
public final class CostModel implements FormatCostModel {

    private static final int SIZE = 384;
    private static final double SPARSE = 0.1;

    private final Map<String, double[]> coefficients;

    private CostModel(Map<String, double[]> coefficients) {
        this.coefficients = Map.copyOf(coefficients);
    }

    /** Predicted nanoseconds of {@code y = W·x} with {@code format}; unknown formats cost infinity. */
    public double predictNanos(String format, int rows, int cols, long nonZeros) {
        double[] ab = coefficients.get(format);
        if (ab == null) {
            return Double.POSITIVE_INFINITY;
        }
        return Math.max(0, ab[0] * rows * cols + ab[1] * nonZeros);
    }

    /** Predicted nanoseconds from the matrix's shape and non-zeros: the speed objective and {@code --exec fastest} rate formats by it. */
    @Override
    public double cost(MatrixFormat format, MatrixStatistics stats) {
        return predictNanos(format.name(), stats.rows(), stats.cols(), stats.entries() - stats.zeros());
    }

    /** A model with given coefficients (ns per entry, ns per non-zero) per format. */
    public static CostModel of(Map<String, double[]> coefficients) {
        return new CostModel(coefficients);
    }

    /** The default cache file: {@code $XDG_CACHE_HOME/tersor} or {@code ~/.cache/tersor}. */
    public static Path defaultCache() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        String key = Integer.toHexString((String.join(",", MatrixFormats.names()) + "|"
                + Runtime.getRuntime().availableProcessors() + "|" + Runtime.version().feature()).hashCode());
        return base.resolve("tersor").resolve("cost-model-" + key + ".properties");
    }

    /** Loads the cached model at {@code cache}, or measures one (telling {@code log}) and caches it. */
    public static CostModel loadOrCalibrate(Path cache, PrintStream log) {
        if (Files.isRegularFile(cache)) {
            try (InputStream in = Files.newInputStream(cache)) {
                Properties p = new Properties();
                p.load(in);
                Map<String, double[]> c = new HashMap<>();
                for (String name : MatrixFormats.names()) {
                    String v = p.getProperty(name);
                    if (v == null) {
                        c.clear();
                        break;
                    }
                    String[] parts = v.split(",");
                    c.put(name, new double[] {Double.parseDouble(parts[0]), Double.parseDouble(parts[1])});
                }
                if (!c.isEmpty()) {
                    return new CostModel(c);
                }
            } catch (IOException | RuntimeException e) {
                log.println("speed cost model cache " + cache + " is unreadable (" + e.getMessage() + "); measuring again");
            }
        }
        log.println("Measuring this machine's speed cost model (once, a few seconds); it will be cached in " + cache);
        CostModel model = calibrate();
        try {
            Files.createDirectories(cache.getParent());
            Properties p = new Properties();
            model.coefficients.forEach((k, v) -> p.setProperty(k, v[0] + "," + v[1]));
            try (OutputStream out = Files.newOutputStream(cache)) {
                p.store(out, "Tersor speed cost model: ns per entry, ns per non-zero");
            }
        } catch (IOException e) {
            log.println("could not cache the speed cost model in " + cache + ": " + e.getMessage());
        }
        return model;
    }

    /** Times every registered format on the two calibration matrices. */
    public static CostModel calibrate() {
        QuantizedMatrix dense = synthetic(1.0, 1);
        QuantizedMatrix sparse = synthetic(SPARSE, 2);
        long n = (long) SIZE * SIZE;
        Map<String, double[]> c = new HashMap<>();
        for (MatrixFormat f : MatrixFormats.all()) {
            double tDense = time(f, dense);
            double tSparse = time(f, sparse);
            // tDense = a·n + b·n, tSparse = a·n + b·0.1·n
            double b = (tDense - tSparse) / (n * (1 - SPARSE));
            double a = tDense / n - b;
            c.put(f.name(), new double[] {a, b});
        }
        return new CostModel(c);
    }

    private static double time(MatrixFormat f, QuantizedMatrix q) {
        if (!f.accepts(q)) {
            return Double.POSITIVE_INFINITY;
        }
        try (WeightMatrix m = f.encode(q)) {
            float[] x = new float[SIZE];
            java.util.Arrays.fill(x, 0.5f);
            for (int i = 0; i < 50; i++) {
                m.multiply(x);
            }
            long best = Long.MAX_VALUE;
            for (int round = 0; round < 5; round++) {
                long start = System.nanoTime();
                for (int i = 0; i < 10; i++) {
                    m.multiply(x);
                }
                best = Math.min(best, (System.nanoTime() - start) / 10);
            }
            return best;
        }
    }

    /** Integers −3..4 times a step, as the bit-packed format also holds; {@code density} non-zero. */
    private static QuantizedMatrix synthetic(double density, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] codebook = {-3, -2, -1, 0, 1, 2, 3, 4};
        int[] codes = new int[SIZE * SIZE];
        for (int i = 0; i < codes.length; i++) {
            if (random.nextDouble() < density) {
                int v;
                do {
                    v = (int) Math.round(random.nextGaussian() * 1.2);
                } while (v == 0 || v < -3 || v > 4);
                codes[i] = v + 3;
            } else {
                codes[i] = 3;
            }
        }
        float[] scales = new float[SIZE];
        java.util.Arrays.fill(scales, 0.0078125f);
        return QuantizedMatrix.of(SIZE, SIZE, codebook, codes, scales);
    }
}
