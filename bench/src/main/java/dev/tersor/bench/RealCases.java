package dev.tersor.bench;

import dev.tersor.bench.model.ModelCompressor;
import dev.tersor.bench.model.PreparedModels;
import dev.tersor.bench.model.QuantizedFiles;
import dev.tersor.format.QuantizedMatrix;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The matrix suite's <em>real</em> preset: all-MiniLM-L6-v2's own weights as the default compression
 * preset quantizes them, one case per layer kind of its first encoder layer: the FFN up
 * {@code [1536, 384]} and down {@code [384, 1536]} projections and an attention projection
 * {@code [384, 384]}. The runner asks the build's {@link ModelCompressor} for them once per run and
 * leaves them in the prepared-models folder ({@link PreparedModels#writeRealCases}); each trial reads
 * its matrix from there. Without a compressor in the build there are no real cases, and the report
 * says so.
 */
public final class RealCases implements MatrixCaseProvider {

    /** The layers taken: shape name and {@code [out, in]}; the first weight of that shape in model order. */
    public static final List<MatrixCases.Shape> LAYERS = List.of(MatrixCases.MINILM_FFN_UP, MatrixCases.MINILM_FFN_DOWN,
            new MatrixCases.Shape("minilm-attention", "MiniLM attention projection", 384, 384));

    @Override
    public List<MatrixCase> cases() {
        if (ModelCompressor.available().isEmpty()) {
            return List.of();
        }
        return LAYERS.stream().map(s -> (MatrixCase) new RealCase(s)).toList();
    }

    /** The file of the layer of {@code shape} in the prepared folder. */
    public static Path file(Path prepared, String shape) {
        return prepared.resolve("real-" + shape + ".tqm");
    }

    /** Picks, for each of {@link #LAYERS}, the first weight of its shape in {@code weights}' order; null if none. */
    public static QuantizedMatrix pick(Map<String, QuantizedMatrix> weights, MatrixCases.Shape shape) {
        for (QuantizedMatrix q : weights.values()) {
            if (q.rows() == shape.rows() && q.cols() == shape.cols()) {
                return q;
            }
        }
        return null;
    }

    /** One real layer; its statistics are known only once prepared, so the trial records them. */
    record RealCase(MatrixCases.Shape layer) implements MatrixCase {

        @Override
        public String shape() {
            return layer.name();
        }

        @Override
        public String preset() {
            return MatrixCases.REAL;
        }

        @Override
        public int rows() {
            return layer.rows();
        }

        @Override
        public int cols() {
            return layer.cols();
        }

        /** Unknown before the run; 1 plans for the worst case. */
        @Override
        public double density() {
            return 1.0;
        }

        @Override
        public int distinctValues() {
            return 0;
        }

        @Override
        public String description() {
            return "all-MiniLM-L6-v2's first " + layer.title() + " under the default compression preset "
                    + "(measured density below)";
        }

        @Override
        public QuantizedMatrix load() {
            Path file = file(PreparedModels.dirFromProperty(), layer.name());
            try {
                return QuantizedFiles.read(file);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the real case " + file + " (./tersor bench prepares it)", e);
            }
        }
    }
}
