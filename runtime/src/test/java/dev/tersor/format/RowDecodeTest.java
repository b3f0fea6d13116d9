package dev.tersor.format;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Row lookups (what compressed embedding tables need): {@code decodeRow} of any row, in any order,
 * interleaved between matrices, gives exactly that row of W, bit for bit, in every format. The full
 * decode it is checked against is the format's own product kernel run on the identity, a path
 * that shares no code with {@code decodeRow}.
 */
class RowDecodeTest {

    @Provide
    Arbitrary<TestMatrices.Case> matrices() {
        return TestMatrices.cases(60_000, false);
    }

    @Property(tries = 60)
    void anyRowInAnyOrderDecodesExactly(@ForAll("matrices") TestMatrices.Case c) {
        QuantizedMatrix source = c.matrix();
        QuantizedMatrix other = new TestMatrices.Case(c.rows(), c.cols(), 0.5, 7,
                dev.tersor.synthetic.ValueDistribution.PEAKED, true, false, c.seed() + 1).matrix();
        float[] expected = source.toDense();
        float[] otherExpected = other.toDense();
        SplittableRandom random = new SplittableRandom(c.seed());
        for (MatrixFormat format : MatrixFormats.all()) {
            if (!FormatRoundTripTest.acceptsOrRefuses(format, source, false, c.toString()) || !format.accepts(other)) {
                continue;
            }
            try (WeightMatrix matrix = format.encode(source); WeightMatrix second = format.encode(other);
                 Arena arena = Arena.ofConfined()) {
                MemorySegment row = arena.allocate(4L * Math.max(1, c.cols()));
                for (int k = 0; k < Math.min(2 * c.rows(), 200) && c.rows() > 0; k++) {
                    int r = random.nextInt(c.rows());
                    matrix.decodeRow(r, row);
                    assertRow(format.name() + " row " + r + " of " + c, expected, r, c.cols(), row);
                    int s = random.nextInt(c.rows());
                    second.decodeRow(s, row);
                    assertRow(format.name() + " interleaved row " + s, otherExpected, s, c.cols(), row);
                }
            }
        }
    }

    @Property(tries = 25)
    void rowsEqualTheProductKernelOnTheIdentity(@ForAll("matrices") TestMatrices.Case c) {
        int cols = Math.min(c.cols(), 64);
        QuantizedMatrix source = new TestMatrices.Case(Math.min(c.rows(), 64), cols, c.density(), c.values(),
                c.distribution(), c.scaled(), false, c.seed()).matrix();
        int rows = source.rows();
        float[] identity = new float[cols * cols];
        for (int i = 0; i < cols; i++) {
            identity[i * cols + i] = 1f;
        }
        for (MatrixFormat format : MatrixFormats.all()) {
            if (!format.accepts(source)) {
                continue;
            }
            try (WeightMatrix matrix = format.encode(source); Arena arena = Arena.ofConfined()) {
                float[] product = new float[rows * cols];
                if (cols > 0) {
                    matrix.multiply(MemorySegment.ofArray(identity), MemorySegment.ofArray(product), cols);
                }
                MemorySegment row = arena.allocate(4L * Math.max(1, cols));
                int patched = 0;
                for (int r = 0; r < rows; r++) {
                    matrix.decodeRow(r, row);
                    for (int j = 0; j < cols; j++) {
                        float fromRow = row.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, j);
                        float fromProduct = product[r * cols + j];
                        if (format.name().equals("q8") && fromProduct != fromRow) {
                            // a q8 patch is added as its own scaled term, rowScale·code + rowScale·delta, where
                            // the row holds rowScale·(code + delta): the two agree to within two roundings,
                            // and patches are at most one entry in 64
                            assertThat(fromProduct).as("%s %s [%d][%d]", format.name(), c, r, j)
                                    .isCloseTo(fromRow, org.assertj.core.api.Assertions.within(2 * Math.ulp(fromRow)));
                            patched++;
                            continue;
                        }
                        // x·1 + 0 is exact, except that −0 comes back as +0 from a sum.
                        assertThat(fromRow == 0 ? 0f : fromRow).as("%s %s [%d][%d]", format.name(), c, r, j)
                                .isEqualTo(fromProduct == 0 ? 0f : fromProduct);
                    }
                }
                assertThat((long) patched * 64).as("%s: inexact entries beyond the patch share", c)
                        .isLessThanOrEqualTo((long) rows * cols);
            }
        }
    }

    private static void assertRow(String what, float[] expected, int r, int cols, MemorySegment row) {
        for (int j = 0; j < cols; j++) {
            int e = Float.floatToRawIntBits(expected[r * cols + j]);
            int a = Float.floatToRawIntBits(row.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, j));
            if (e != a) {
                throw new AssertionError(what + ": column " + j + " is 0x" + Integer.toHexString(a) + ", expected 0x"
                        + Integer.toHexString(e));
            }
        }
    }
}
