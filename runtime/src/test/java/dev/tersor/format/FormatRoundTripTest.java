package dev.tersor.format;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** decode(encode(W)) == W bit for bit, for every format, over random shapes, densities and alphabets. */
class FormatRoundTripTest {

    static final List<String> FOUNDATION_FORMATS = List.of("dense", "csr", "cer", "cser");

    @Test
    void everyFoundationFormatIsRegistered() {
        assertThat(MatrixFormats.names()).containsAll(FOUNDATION_FORMATS);
    }

    @Provide
    Arbitrary<TestMatrices.Case> matrices() {
        return TestMatrices.cases(120_000, false);
    }

    @Provide
    Arbitrary<TestMatrices.Case> universal() {
        return TestMatrices.cases(120_000, true);
    }

    @Property(tries = 150)
    void roundTripIsExact(@ForAll("matrices") TestMatrices.Case c) {
        roundTrip(c, false);
    }

    /**
     * Small-integer levels with power-of-two row scales: every format, restricted ones included,
     * must accept these, so that no registered format escapes the generic round trip.
     */
    @Property(tries = 80)
    void everyFormatAcceptsAndRoundTripsUniversalInputs(@ForAll("universal") TestMatrices.Case c) {
        roundTrip(c, true);
    }

    private static void roundTrip(TestMatrices.Case c, boolean allMustAccept) {
        QuantizedMatrix source = c.matrix();
        float[] expected = source.toDense();
        for (MatrixFormat format : MatrixFormats.all()) {
            if (!acceptsOrRefuses(format, source, allMustAccept, c.toString())) {
                continue;
            }
            try (WeightMatrix matrix = format.encode(source)) {
                assertSameBits(format.name() + " " + c, expected, matrix.toDense());
                assertThat(matrix.rows()).isEqualTo(c.rows());
                assertThat(matrix.cols()).isEqualTo(c.cols());
                assertThat(matrix.byteSize()).isEqualTo(WeightMatrix.HEADER_BYTES + matrix.layout().storedBytes());
                // The validator accepts what the encoder writes, and reading it back changes nothing.
                WeightMatrix reread = format.fromLayout(matrix.layout(), null);
                assertSameBits(format.name() + " re-read " + c, expected, reread.toDense());
                assertThat(reread.byteSize()).isEqualTo(matrix.byteSize());
            }
        }
    }

    @Property(tries = 60)
    void plainFloatMatricesRoundTrip(@ForAll("matrices") TestMatrices.Case c) {
        float[] dense = c.matrix().toDense();
        DenseMatrixView view = DenseMatrixView.of(c.rows(), c.cols(), dense);
        QuantizedMatrix source = QuantizedMatrix.fromDense(view);
        for (MatrixFormat format : MatrixFormats.all()) {
            if (!acceptsOrRefuses(format, source, false, c.toString())) {
                continue;
            }
            try (WeightMatrix matrix = format.encode(view)) {
                assertSameBits(format.name() + " " + c, dense, matrix.toDense());
            }
        }
    }

    @Test
    void specialFloatValuesKeepTheirBits() {
        float quietNanWithPayload = Float.intBitsToFloat(0x7FC0_1234);
        float[] dense = {
                0f, -0f, Float.NaN, quietNanWithPayload,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -Float.MIN_NORMAL,
                -0f, -0f, -0f, 1f,
        };
        for (MatrixFormat format : MatrixFormats.all()) {
            if (!acceptsOrRefuses(format, QuantizedMatrix.fromDense(DenseMatrixView.of(3, 4, dense)), false, "special")) {
                continue;
            }
            try (WeightMatrix matrix = format.encode(DenseMatrixView.of(3, 4, dense))) {
                assertSameBits(format.name(), dense, matrix.toDense());
            }
        }
    }

    @Test
    void emptyAndDegenerateShapes() {
        int[][] shapes = {{0, 0}, {0, 5}, {5, 0}, {1, 1}, {1, 1000}, {1000, 1}};
        for (int[] shape : shapes) {
            float[] dense = TestMatrices.inputs(shape[0] * shape[1], 7, true);
            for (MatrixFormat format : MatrixFormats.all()) {
                assertThat(format.accepts(QuantizedMatrix.fromDense(DenseMatrixView.of(shape[0], shape[1], dense))))
                        .as(format.name() + " accepts small integers").isTrue();
                try (WeightMatrix matrix = format.encode(DenseMatrixView.of(shape[0], shape[1], dense))) {
                    assertSameBits(format.name() + " " + shape[0] + "x" + shape[1], dense, matrix.toDense());
                    assertThat(matrix.bitsPerWeight()).isFinite();
                }
            }
        }
    }

    @Test
    void decodeRowMatchesFullDecode() {
        for (boolean integers : new boolean[]{false, true}) {
            QuantizedMatrix source = new TestMatrices.Case(37, 53, 0.3, 5,
                    dev.tersor.synthetic.ValueDistribution.PEAKED, true, integers, 11).matrix();
            float[] expected = source.toDense();
            for (MatrixFormat format : MatrixFormats.all()) {
                if (!acceptsOrRefuses(format, source, integers, "random row scales")) {
                    continue;
                }
                try (WeightMatrix matrix = format.encode(source); Arena arena = Arena.ofConfined()) {
                    MemorySegment row = arena.allocate(4L * 53);
                    for (int r = 0; r < 37; r++) {
                        matrix.decodeRow(r, row);
                        float[] actual = row.toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT);
                        float[] want = java.util.Arrays.copyOfRange(expected, r * 53, (r + 1) * 53);
                        assertSameBits(format.name() + " row " + r, want, actual);
                    }
                }
            }
        }
    }

    /**
     * Whether {@code format} takes {@code source}; if it refuses, its encoder must refuse too, with
     * an {@link IllegalArgumentException}, and {@code allMustAccept} turns the refusal into a failure.
     */
    static boolean acceptsOrRefuses(MatrixFormat format, QuantizedMatrix source, boolean allMustAccept, String what) {
        if (format.accepts(source)) {
            return true;
        }
        assertThat(allMustAccept).as(format.name() + " refused " + what).isFalse();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> format.encode(source).close())
                .as(format.name() + " must refuse to encode what it does not accept: " + what)
                .isInstanceOf(IllegalArgumentException.class);
        return false;
    }

    static void assertSameBits(String what, float[] expected, float[] actual) {
        assertThat(actual).as(what + ": length").hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            int e = Float.floatToRawIntBits(expected[i]);
            int a = Float.floatToRawIntBits(actual[i]);
            if (e != a) {
                throw new AssertionError(what + ": element " + i + " decodes to " + actual[i] + " (0x"
                        + Integer.toHexString(a) + "), expected " + expected[i] + " (0x" + Integer.toHexString(e) + ")");
            }
        }
    }
}
