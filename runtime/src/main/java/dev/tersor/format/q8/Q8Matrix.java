package dev.tersor.format.q8;

import dev.tersor.format.AbstractWeightMatrix;
import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.ElementType;
import dev.tersor.format.EnergyClass;
import dev.tersor.format.InvalidLayoutException;
import dev.tersor.format.Layout;
import dev.tersor.format.LayoutArray;
import dev.tersor.format.MatrixFormat;
import dev.tersor.format.OffHeap;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.arrays.Q8Arrays;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;

/**
 * 8-bit integer rows, the execution layout of quantized layers: {@code W[r][c] = code·rowScale[r]}
 * with a signed byte code and one float scale per row, exactly (negative where the row's zeros
 * are −0). The layers a uniform
 * quantizer produces (an integer number of steps per row) fit it, whatever format stores them, and
 * integer dot-product instructions multiply it at int8 speed (lowbit-kernels.md §4).
 *
 * <p>Arrays: {@code codes} i8[rows·stride], each row zero-padded to {@link Q8Arrays#stride};
 * {@code rowScale} f32[rows]; {@code rowSum} i32[rows], each row's code sum (the integer kernels'
 * offset correction; validated against the codes). Parameter {@code int8Activations} (0 or 1):
 * whether products quantize activations to int8 per batch column ({@link Q8Arrays}); loading for
 * speed sets it, since the integer product is what makes this layout fast.
 */
public final class Q8Matrix extends AbstractWeightMatrix {

    public static final String NAME = "q8";

    static final String INT8_ACTIVATIONS = "int8Activations";

    /** Loading for speed runs products on int8 activations. */
    private static final Map<String, Long> FOR_SPEED = Map.of(INT8_ACTIVATIONS, 1L);

    public static final MatrixFormat FORMAT = MatrixFormat.named(NAME)
            .description("8-bit integer rows: each row signed byte codes times one float scale, "
                    + "run on integer dot products")
            .accepts(Q8Matrix::accepts, "each row must be integers in [-128, 127] times one scale")
            .encoder((source, settings) -> encode(source.toDenseView(), activations(settings)),
                    Map.of(INT8_ACTIVATIONS, "1: products quantize activations to int8 per batch column "
                            + "(faster, approximate); 0: float activations (default)"))
            .denseEncoder((view, settings) -> encode(view, activations(settings)))
            .reader(Q8Matrix::fromLayout)
            // an integer multiply-add per entry, a quarter of the bytes of dense
            .cost(s -> 0.35 * s.entries())
            .energy(EnergyClass.PACKED)
            .loadTarget(MatrixFormat.LoadTarget.of((stored, stats) -> RowScales.fit(stored) != null, FOR_SPEED))
            .build();

    private final Q8Arrays arrays;

    private Q8Matrix(Q8Arrays arrays, Arena owner) {
        super(NAME, arrays, owner);
        this.arrays = arrays;
    }

    private static boolean activations(Map<String, Long> settings) {
        long value = settings.getOrDefault(INT8_ACTIVATIONS, 0L);
        if (value != 0 && value != 1) {
            throw new IllegalArgumentException(INT8_ACTIVATIONS + " is 0 or 1, not " + value);
        }
        return value == 1;
    }

    /** Whether every row of {@code source} is, exactly, integers in [-128, 127] times one scale. */
    public static boolean accepts(QuantizedMatrix source) {
        return source.cols() <= Q8Arrays.MAX_COLS && RowScales.fit(source.toDenseView()) != null;
    }

    /**
     * Encodes {@code source} exactly.
     *
     * @throws IllegalArgumentException if a row is not integers in [-128, 127] times one scale
     */
    public static Q8Matrix encode(DenseMatrixView source, boolean int8Activations) {
        int rows = source.rows();
        int cols = source.cols();
        if (cols > Q8Arrays.MAX_COLS) {
            throw new IllegalArgumentException(cols + " columns exceed the q8 limit of " + Q8Arrays.MAX_COLS);
        }
        float[] scales = RowScales.fit(source);
        if (scales == null) {
            throw new IllegalArgumentException("a row is not integers in [-128, 127] times one scale; "
                    + "the q8 format cannot hold it exactly");
        }
        int stride = Q8Arrays.stride(cols);
        return OffHeap.owned(arena -> {
            MemorySegment codes = OffHeap.bytes(arena, (long) rows * stride);
            MemorySegment rowScale = OffHeap.floats(arena, scales);
            MemorySegment rowSum = OffHeap.bytes(arena, 4L * rows);
            for (int r = 0; r < rows; r++) {
                int sum = 0;
                for (int c = 0; c < cols; c++) {
                    int code = RowScales.code(source.get(r, c), scales[r]);
                    codes.set(ValueLayout.JAVA_BYTE, (long) r * stride + c, (byte) code);
                    sum += code;
                }
                rowSum.setAtIndex(Layouts.I32, r, sum);
            }
            return new Q8Matrix(new Q8Arrays(rows, cols, codes, rowScale, rowSum, int8Activations), arena);
        });
    }

    /**
     * A matrix over an untrusted layout. Checks: {@code codes} i8 of exactly {@code rows·stride}
     * bytes with zero padding; {@code rowScale} f32, finite; {@code rowSum} i32,
     * equal to each row's code sum; parameter {@code int8Activations} 0 or 1; at most
     * {@link Q8Arrays#MAX_COLS} columns.
     */
    public static Q8Matrix fromLayout(Layout layout, Arena owner) {
        layout.requireFormat(NAME);
        int rows = layout.rows();
        int cols = layout.cols();
        if (cols > Q8Arrays.MAX_COLS) {
            throw new InvalidLayoutException(NAME + ": " + cols + " columns exceed the limit of " + Q8Arrays.MAX_COLS);
        }
        long mode = layout.param(INT8_ACTIVATIONS);
        if (mode != 0 && mode != 1) {
            throw new InvalidLayoutException(NAME + ": " + INT8_ACTIVATIONS + " is " + mode + ", not 0 or 1");
        }
        int stride = Q8Arrays.stride(cols);
        LayoutArray codesArray = layout.array("codes");
        if (codesArray.type() != ElementType.I8) {
            throw new InvalidLayoutException(NAME + ": codes has type " + codesArray.type() + ", expected I8");
        }
        long expected = (long) rows * stride;
        if (codesArray.byteSize() != expected) {
            throw new InvalidLayoutException(NAME + ": codes holds " + codesArray.byteSize() + " bytes, " + rows
                    + " rows of stride " + stride + " need " + expected);
        }
        MemorySegment codes = codesArray.data();
        MemorySegment rowScale = layout.f32("rowScale", rows);
        LayoutArray sumArray = layout.array("rowSum");
        if (sumArray.type() != ElementType.I32) {
            throw new InvalidLayoutException(NAME + ": rowSum has type " + sumArray.type() + ", expected I32");
        }
        layout.requireLength("rowSum", sumArray, rows);
        MemorySegment rowSum = sumArray.data();
        for (int r = 0; r < rows; r++) {
            float scale = rowScale.getAtIndex(Layouts.F32, r);
            if (!(Math.abs(scale) <= Float.MAX_VALUE)) {
                throw new InvalidLayoutException(NAME + ": rowScale[" + r + "] = " + scale + " is not finite");
            }
            long base = (long) r * stride;
            int sum = 0;
            for (int c = 0; c < cols; c++) {
                sum += codes.get(ValueLayout.JAVA_BYTE, base + c);
            }
            for (int c = cols; c < stride; c++) {
                if (codes.get(ValueLayout.JAVA_BYTE, base + c) != 0) {
                    throw new InvalidLayoutException(NAME + ": row " + r + " has a non-zero padding code at column " + c);
                }
            }
            int stored = rowSum.getAtIndex(Layouts.I32, r);
            if (stored != sum) {
                throw new InvalidLayoutException(NAME + ": rowSum[" + r + "] = " + stored + ", but the row's codes sum to "
                        + sum);
            }
        }
        return new Q8Matrix(new Q8Arrays(rows, cols, codes, rowScale, rowSum, mode == 1), owner);
    }

    /** Whether products quantize activations to int8. */
    public boolean int8Activations() {
        return arrays.int8Activations();
    }

    @Override
    public Map<String, Double> details() {
        return Map.of(INT8_ACTIVATIONS, int8Activations() ? 1.0 : 0.0);
    }

    @Override
    protected long workBefore(int row) {
        return (long) row * cols();
    }

    @Override
    protected void decodeRowK(int row, MemorySegment dst) {
        float scale = arrays.rowScale().getAtIndex(Layouts.F32, row);
        long base = (long) row * arrays.stride();
        for (int c = 0; c < cols(); c++) {
            dst.setAtIndex(Layouts.F32, c, (float) arrays.codes().get(ValueLayout.JAVA_BYTE, base + c) * scale);
        }
    }

    @Override
    protected Layout layoutK() {
        Map<String, LayoutArray> layoutArrays = Layout.newArrays();
        layoutArrays.put("codes", new LayoutArray(ElementType.I8, arrays.codes()));
        layoutArrays.put("rowScale", LayoutArray.f32(arrays.rowScale()));
        layoutArrays.put("rowSum", new LayoutArray(ElementType.I32, arrays.rowSum()));
        return new Layout(NAME, rows(), cols(), Map.of(INT8_ACTIVATIONS, int8Activations() ? 1L : 0L), layoutArrays);
    }
}
