package dev.tersor.compress.pipeline;

import dev.tersor.compress.quant.KMeansQuantizer;
import dev.tersor.compress.quant.Scope;
import dev.tersor.compress.quant.UniformQuantizer;
import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.FormatPolicy;
import dev.tersor.format.MatrixFormat;
import dev.tersor.format.MatrixFormats;
import dev.tersor.format.Objective;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.format.WeightMatrix;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FormatPolicyTest {

    private static DenseMatrixView laplace(int rows, int cols, double density, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) {
            if (random.nextDouble() < density) {
                double u = random.nextDouble() - 0.5;
                w[i] = (float) (-Math.signum(u) * Math.log(1 - 2 * Math.abs(u)) * 0.05);
            }
        }
        return DenseMatrixView.of(rows, cols, w);
    }

    static List<QuantizedMatrix> matrices() {
        List<QuantizedMatrix> out = new ArrayList<>();
        out.add(UniformQuantizer.relativeStep(0.3, Scope.ROW).quantize(laplace(64, 96, 1.0, 1)));
        out.add(UniformQuantizer.relativeStep(0.1, Scope.MATRIX).quantize(laplace(40, 33, 0.2, 2)));
        out.add(KMeansQuantizer.of(4, Scope.MATRIX, 3).quantize(laplace(17, 130, 0.05, 3)));
        out.add(new PerChannelQuantizer(16, 0.05).quantize(laplace(32, 64, 0.7, 4)));
        out.add(QuantizedMatrix.fromDense(laplace(9, 7, 1.0, 5)));
        out.add(QuantizedMatrix.fromDense(DenseMatrixView.of(3, 5, new float[15])));
        return out;
    }

    @Test
    void autoPicksTheFewestBytesOfEveryFormatThatAcceptsTheMatrix() {
        for (QuantizedMatrix q : matrices()) {
            FormatPolicy.Placed result = FormatPolicy.of(LayerSettings.AUTO, Objective.SIZE, null).place(q);
            try (WeightMatrix chosen = result.matrix()) {
                int accepted = 0;
                for (MatrixFormat f : MatrixFormats.all()) {
                    if (!f.accepts(q)) {
                        continue;
                    }
                    accepted++;
                    try (WeightMatrix m = f.encode(q)) {
                        assertEquals(m.byteSize(), result.candidates().get(f.name()), f.name());
                        assertTrue(chosen.byteSize() <= m.byteSize(), () -> "auto chose " + chosen.formatName() + " ("
                                + chosen.byteSize() + " B) but " + f.name() + " takes " + m.byteSize() + " B");
                    }
                }
                assertEquals(accepted, result.candidates().size());
                assertEquals(chosen.byteSize(), (long) result.candidates().get(chosen.formatName()));
                float[] expected = q.toDense();
                float[] decoded = chosen.toDense();
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(decoded[i]), "entry " + i);
                }
            }
        }
    }

    @Test
    void perChannelMatricesAreAcceptedByTheBitPackedFormat() {
        QuantizedMatrix q = new PerChannelQuantizer(16, 0.05).quantize(laplace(32, 64, 0.7, 4));
        assertTrue(MatrixFormats.named("bitpack").accepts(q));
        assertTrue(q.codebookSize() <= 16 + 1, "at most K levels (plus the zero symbol): " + q.codebookSize());
    }

    @Test
    void speedPicksTheLeastPredictedTimeAndANamedFormatIsUsedAsIs() {
        QuantizedMatrix q = matrices().getFirst();
        for (String fastest : List.of("dense", "csr", "ham")) {
            java.util.Map<String, double[]> c = new java.util.HashMap<>();
            for (String name : MatrixFormats.names()) {
                c.put(name, new double[] {name.equals(fastest) ? 1 : 2, 0});
            }
            try (WeightMatrix m = FormatPolicy.of(LayerSettings.AUTO, Objective.SPEED, CostModel.of(c)).place(q).matrix()) {
                assertEquals(fastest, m.formatName());
            }
        }
        try (WeightMatrix m = FormatPolicy.of("cser", Objective.SIZE, null).place(q).matrix()) {
            assertEquals("cser", m.formatName());
        }
        QuantizedMatrix notPowerOfTwo = QuantizedMatrix.of(1, 2, new float[] {0f, 0.3f}, new int[] {0, 1}, null);
        assertThrows(IllegalArgumentException.class,
                () -> FormatPolicy.of("bitpack", Objective.SIZE, null).place(notPowerOfTwo));
    }
}
