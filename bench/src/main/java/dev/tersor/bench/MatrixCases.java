package dev.tersor.bench;

import dev.tersor.synthetic.ValueDistribution;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The benchmark matrices: the layer shapes of the issue under its statistics presets, plus whatever
 * {@link MatrixCaseProvider}s add.
 *
 * <ul>
 *   <li><b>deep-compression</b>: the densities Han et al. report after pruning (VGG-16 fc6 and fc7 4 %,
 *       fc8 23 %, AlexNet fc6 9 %), K = 32. Defined for those four layers only. The issue leaves the
 *       value distribution open; uniform is used, the harder case for entropy-based formats.
 *   <li><b>quantized-dense-k16</b>, <b>quantized-dense-k256</b>: density 1, K = 16 or 256, peaked
 *       (Laplace-like) values.
 *   <li><b>extreme</b>: density 1 %, K = 4, uniform.
 * </ul>
 */
public final class MatrixCases {

    /** Seed of every synthetic matrix. */
    public static final long SEED = 42;

    /** A layer: {@code [out, in]}. */
    public record Shape(String name, String title, int rows, int cols) {
    }

    public static final Shape VGG16_FC6 = new Shape("vgg16-fc6", "VGG-16 fc6", 4096, 25088);
    public static final Shape VGG16_FC7 = new Shape("vgg16-fc7", "VGG-16 fc7", 4096, 4096);
    public static final Shape VGG16_FC8 = new Shape("vgg16-fc8", "VGG-16 fc8", 1000, 4096);
    public static final Shape ALEXNET_FC6 = new Shape("alexnet-fc6", "AlexNet fc6", 4096, 9216);
    public static final Shape MINILM_FFN_UP = new Shape("minilm-ffn-up", "MiniLM FFN up", 1536, 384);
    public static final Shape MINILM_FFN_DOWN = new Shape("minilm-ffn-down", "MiniLM FFN down", 384, 1536);

    public static final List<Shape> SHAPES = List.of(VGG16_FC6, VGG16_FC7, VGG16_FC8, ALEXNET_FC6, MINILM_FFN_UP,
            MINILM_FFN_DOWN);

    public static final String DEEP_COMPRESSION = "deep-compression";
    public static final String QUANTIZED_DENSE_K16 = "quantized-dense-k16";
    public static final String QUANTIZED_DENSE_K256 = "quantized-dense-k256";
    public static final String EXTREME = "extreme";
    /** MiniLM's own weights; supplied by a {@link MatrixCaseProvider} once the importer exists. */
    public static final String REAL = "real";

    private static final Map<String, Double> DEEP_COMPRESSION_DENSITY = Map.of(
            VGG16_FC6.name(), 0.04, VGG16_FC7.name(), 0.04, VGG16_FC8.name(), 0.23, ALEXNET_FC6.name(), 0.09);

    private static final class All {
        static final Map<String, MatrixCase> CASES = load();
    }

    private MatrixCases() {
    }

    /** Every case, synthetic ones first, by id. */
    public static List<MatrixCase> all() {
        return List.copyOf(All.CASES.values());
    }

    public static List<String> ids() {
        return List.copyOf(All.CASES.keySet());
    }

    /**
     * The case called {@code id}, or an ad-hoc synthetic one written {@code ROWSxCOLS@dDENSITY-kK} (for
     * example {@code 4096x4096@d0.1-k16}, uniform values, the catalogue's seed), or an exception listing
     * the known ones.
     */
    public static MatrixCase named(String id) {
        MatrixCase found = All.CASES.get(id);
        if (found != null) {
            return found;
        }
        java.util.regex.Matcher m = AD_HOC.matcher(id);
        if (m.matches()) {
            int rows = Integer.parseInt(m.group(1));
            int cols = Integer.parseInt(m.group(2));
            double density = Double.parseDouble(m.group(3));
            int k = Integer.parseInt(m.group(4));
            if (rows < 1 || cols < 1 || density < 0 || density > 1 || k < 1) {
                throw new IllegalArgumentException("matrix case '" + id + "' needs rows, cols, k ≥ 1 and density in [0, 1]");
            }
            return new SyntheticCase(rows + "x" + cols, "d" + m.group(3) + "-k" + k, rows, cols, density, k,
                    ValueDistribution.UNIFORM, SEED);
        }
        throw new IllegalArgumentException("unknown matrix case '" + id + "'; known cases: " + ids()
                + ", or ROWSxCOLS@dDENSITY-kK");
    }

    private static final java.util.regex.Pattern AD_HOC =
            java.util.regex.Pattern.compile("(\\d{1,6})x(\\d{1,6})@d([0-9]*\\.?[0-9]+)-k(\\d{1,5})");

    /** Shape by name, or {@code null}. */
    public static Shape shape(String name) {
        return SHAPES.stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
    }

    /** The synthetic catalogue alone. */
    public static List<MatrixCase> synthetic() {
        List<MatrixCase> cases = new ArrayList<>();
        for (Shape shape : SHAPES) {
            Double density = DEEP_COMPRESSION_DENSITY.get(shape.name());
            if (density != null) {
                cases.add(of(shape, DEEP_COMPRESSION, density, 32, ValueDistribution.UNIFORM));
            }
        }
        for (Shape shape : SHAPES) {
            cases.add(of(shape, QUANTIZED_DENSE_K16, 1.0, 16, ValueDistribution.PEAKED));
        }
        for (Shape shape : SHAPES) {
            cases.add(of(shape, QUANTIZED_DENSE_K256, 1.0, 256, ValueDistribution.PEAKED));
        }
        for (Shape shape : SHAPES) {
            cases.add(of(shape, EXTREME, 0.01, 4, ValueDistribution.UNIFORM));
        }
        return List.copyOf(cases);
    }

    private static SyntheticCase of(Shape shape, String preset, double density, int k, ValueDistribution distribution) {
        return new SyntheticCase(shape.name(), preset, shape.rows(), shape.cols(), density, k, distribution, SEED);
    }

    private static Map<String, MatrixCase> load() {
        Map<String, MatrixCase> cases = new LinkedHashMap<>();
        for (MatrixCase c : synthetic()) {
            cases.put(c.id(), c);
        }
        for (MatrixCaseProvider provider : ServiceLoader.load(MatrixCaseProvider.class, MatrixCases.class.getClassLoader())) {
            for (MatrixCase c : provider.cases()) {
                if (cases.putIfAbsent(c.id(), c) != null) {
                    throw new IllegalStateException("two matrix cases are called " + c.id());
                }
            }
        }
        return cases;
    }
}
