package dev.tersor.format.q8;

import dev.tersor.format.AbstractWeightMatrix;
import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.ElementType;
import dev.tersor.format.EnergyClass;
import dev.tersor.format.InvalidLayoutException;
import dev.tersor.format.Layout;
import dev.tersor.format.LayoutArray;
import dev.tersor.format.MatrixFormat;
import dev.tersor.format.MatrixStatistics;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.format.WeightMatrix;
import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.arrays.Q8Arrays;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Map;

/**
 * 8-bit integer rows, the execution layout of quantized layers: {@code W[r][c] = code·rowScale[r]}
 * with a signed byte code and one float scale per row, exactly (negative where the row's zeros
 * are −0). The layers a uniform
 * quantizer produces (an integer number of steps per row) fit it, whatever format stores them, and
 * integer dot-product instructions multiply it at int8 speed (lowbit-kernels.md §4).
 *
 * <p>Arrays: {@code codePanels} i8[{@link Q8Arrays#codeBytes}], the codes in panels of sixteen rows,
 * each row zero-padded to {@link Q8Arrays#stride} and the last panel with zero rows;
 * {@code rowScale} f32[rows]; {@code rowSum} i32[rows], each row's code sum (the integer kernels'
 * offset correction; validated against the codes); and the patches of values beyond 127 steps, at
 * most one entry in 64 ({@code patchPtr[rows+1]}, {@code patchCol} ascending within a row,
 * {@code patchDelta} i32 added to a code clamped to −128 or 127). Parameter {@code int8Activations} (0 or 1):
 * whether products quantize activations to int8 per batch column ({@link Q8Arrays}); loading for
 * speed sets it, since the integer product is what makes this layout fast.
 */
public final class Q8Matrix extends AbstractWeightMatrix {

    public static final String NAME = "q8";

    static final String INT8_ACTIVATIONS = "int8Activations";

    /**
     * The array of codes, in panels ({@link Q8Arrays}). Named for its layout: a file written before
     * panels, whose {@code codes} were plain rows, is refused as missing this array instead of read
     * in the wrong order.
     */
    static final String CODES = "codePanels";

    /** Loading for speed runs products on int8 activations. */
    private static final Map<String, Long> FOR_SPEED = Map.of(INT8_ACTIVATIONS, 1L);

    public static final MatrixFormat FORMAT = MatrixFormat.named(NAME)
            .description("8-bit integer rows: each row signed byte codes times one float scale, "
                    + "run on integer dot products")
            .accepts(Q8Matrix::accepts, "each row must be integers times one scale, rarely beyond [-128, 127]")
            .encoder((source, settings) -> encode(source.toDenseView(), activations(settings)),
                    Map.of(INT8_ACTIVATIONS, "1: products quantize activations to int8 per batch column "
                            + "(faster, approximate); 0: float activations (default)"))
            .denseEncoder((view, settings) -> encode(view, activations(settings)))
            .reader(Q8Matrix::fromLayout)
            // an integer multiply-add per entry, a quarter of the bytes of dense
            .cost(s -> 0.35 * s.entries())
            .energy(EnergyClass.PACKED)
            // whether every row fits a scale is only known by fitting them, which is encoding: the
            // screen passes any matrix of few enough columns and the encoder has the last word
            .loadTarget(new MatrixFormat.LoadTarget() {
                @Override
                public boolean canHold(WeightMatrix stored, MatrixStatistics stats) {
                    return stored.cols() <= Q8Arrays.MAX_COLS;
                }

                @Override
                public Map<String, Long> settings() {
                    return FOR_SPEED;
                }

                @Override
                public WeightMatrix transcode(WeightMatrix stored, MatrixFormat.DenseEncoder encoder) {
                    return encodeRows(stored, true);
                }
            })
            .build();

    private final Q8Arrays arrays;

    Q8Matrix(Q8Arrays arrays, Arena owner) {
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

    /** Whether every row of {@code source} is, exactly, integers times one scale, rarely beyond a byte. */
    public static boolean accepts(QuantizedMatrix source) {
        return RowScales.fitEveryRow(source.toDenseView());
    }

    /**
     * Encodes {@code source} exactly.
     *
     * @throws IllegalArgumentException if a row is not integers times one scale, or too many are beyond a byte
     */
    public static Q8Matrix encode(DenseMatrixView source, boolean int8Activations) {
        float[] row = new float[source.cols()];
        Q8Matrix encoded = Q8Encoder.encode(source.rows(), source.cols(), r -> {
            for (int c = 0; c < row.length; c++) {
                row[c] = source.get(r, c);
            }
            return row;
        }, int8Activations);
        if (encoded == null) {
            throw new IllegalArgumentException("a row is not integers times one scale, or more than one entry in "
                    + RowScales.MAX_PATCH_SHARE + " lies beyond [-128, 127] steps (or the matrix has more than "
                    + Q8Arrays.MAX_COLS + " columns); the q8 format cannot hold it exactly");
        }
        return encoded;
    }

    /**
     * {@code stored} re-encoded exactly, decoding each row once onto the heap (never the whole
     * matrix), or null if its values do not fit q8.
     */
    static Q8Matrix encodeRows(WeightMatrix stored, boolean int8Activations) {
        float[] row = new float[stored.cols()];
        MemorySegment decoded = MemorySegment.ofArray(row);
        return Q8Encoder.encode(stored.rows(), stored.cols(), r -> {
            stored.decodeRow(r, decoded);
            return row;
        }, int8Activations);
    }

    /**
     * A matrix over an untrusted layout. Checks: {@code codePanels} i8 of exactly
     * {@link Q8Arrays#codeBytes} bytes with zero padding; {@code rowScale} f32, finite; {@code rowSum}
     * i32, equal to each row's code sum; patches at most one entry in 64, {@code patchPtr} splitting them into rows,
     * {@code patchCol} ascending below {@code cols}, each delta extending a code clamped to −128 or
     * 127 within ±32767; parameter {@code int8Activations} 0 or 1; at most {@link Q8Arrays#MAX_COLS}
     * columns.
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
        LayoutArray codesArray = layout.array(CODES);
        if (codesArray.type() != ElementType.I8) {
            throw new InvalidLayoutException(NAME + ": " + CODES + " has type " + codesArray.type() + ", expected I8");
        }
        long expected = Q8Arrays.codeBytes(rows, cols);
        if (codesArray.byteSize() != expected) {
            throw new InvalidLayoutException(NAME + ": " + CODES + " holds " + codesArray.byteSize() + " bytes, "
                    + Q8Arrays.panels(rows) + " panels of " + Q8Arrays.PANEL_ROWS + " rows of stride " + stride
                    + " need " + expected);
        }
        MemorySegment codes = codesArray.data();
        MemorySegment rowScale = layout.f32("rowScale", rows);
        for (int r = 0; r < rows; r++) {
            float scale = rowScale.getAtIndex(Layouts.F32, r);
            if (!(Math.abs(scale) <= Float.MAX_VALUE)) {
                throw new InvalidLayoutException(NAME + ": rowScale[" + r + "] = " + scale + " is not finite");
            }
        }
        LayoutArray sumArray = layout.array("rowSum");
        if (sumArray.type() != ElementType.I32) {
            throw new InvalidLayoutException(NAME + ": rowSum has type " + sumArray.type() + ", expected I32");
        }
        layout.requireLength("rowSum", sumArray, rows);
        MemorySegment rowSum = sumArray.data();
        checkCodes(codes, rows, cols, rowSum);
        LayoutArray deltaArray = layout.array("patchDelta");
        if (deltaArray.type() != ElementType.I32 || deltaArray.byteSize() % 4 != 0) {
            throw new InvalidLayoutException(NAME + ": patchDelta must be whole i32 values, got " + deltaArray.byteSize()
                    + " bytes of " + deltaArray.type());
        }
        long patches = deltaArray.byteSize() / 4;
        if (patches > (long) rows * cols / RowScales.MAX_PATCH_SHARE) {
            throw new InvalidLayoutException(NAME + ": " + patches + " patches exceed one entry in "
                    + RowScales.MAX_PATCH_SHARE);
        }
        IndexArray patchPtr = layout.indices("patchPtr", patches);
        IndexArray patchCol = layout.indices("patchCol", Math.max(0, cols - 1));
        layout.requireLength("patchCol", layout.array("patchCol"), patches);
        layout.pointers("patchPtr", patchPtr, rows, patches, patches, "patchCol");
        MemorySegment patchDelta = deltaArray.data();
        for (int r = 0; r < rows; r++) {
            int start = patchPtr.get(r);
            int end = patchPtr.get(r + 1);
            layout.ascendingColumns("patchCol", patchCol, start, end, r);
            for (int p = start; p < end; p++) {
                int code = codes.get(ValueLayout.JAVA_BYTE, Q8Arrays.codeOffset(stride, r, patchCol.get(p)));
                int delta = patchDelta.getAtIndex(Layouts.I32, p);
                boolean clampedHigh = code == 127 && delta > 0 && delta <= RowScales.MAX_CODE - 127;
                boolean clampedLow = code == -128 && delta < 0 && delta >= -RowScales.MAX_CODE + 128;
                if (!clampedHigh && !clampedLow) {
                    throw new InvalidLayoutException(NAME + ": patch " + p + " adds " + delta + " to code " + code
                            + "; patches extend codes clamped to -128 or 127, up to " + RowScales.MAX_CODE);
                }
            }
        }
        return new Q8Matrix(new Q8Arrays(rows, cols, codes, rowScale, rowSum, patchPtr, patchCol, patchDelta,
                mode == 1), owner);
    }

    /**
     * Checks the codes: zero in the padding (columns past {@code cols}, rows past {@code rows}), then
     * each row's codes summing to its {@code rowSum}. A group holds a row's four codes side by side, so
     * the sums read each group as sixteen ints, one per row of the panel, and add their bytes: a plain
     * walk of ints at load time instead of a division and a branch per code.
     */
    private static void checkCodes(MemorySegment codes, int rows, int cols, MemorySegment rowSum) {
        int stride = Q8Arrays.stride(cols);
        checkPadding(codes, rows, cols);
        long panelBytes = (long) Q8Arrays.PANEL_ROWS * stride;
        int groups = stride / Q8Arrays.GROUP_COLUMNS;
        int[] sums = new int[Q8Arrays.PANEL_ROWS];
        for (int panel = 0; panel < Q8Arrays.panels(rows); panel++) {
            Arrays.fill(sums, 0);
            long base = panel * panelBytes;
            for (int g = 0; g < groups; g++) {
                long group = base + (long) g * Q8Arrays.GROUP_BYTES;
                for (int i = 0; i < Q8Arrays.PANEL_ROWS; i++) {
                    int four = codes.get(ValueLayout.JAVA_INT_UNALIGNED, group + 4L * i);
                    sums[i] += (four << 24 >> 24) + (four << 16 >> 24) + (four << 8 >> 24) + (four >> 24);
                }
            }
            for (int i = 0; i < Q8Arrays.PANEL_ROWS && panel * Q8Arrays.PANEL_ROWS + i < rows; i++) {
                int r = panel * Q8Arrays.PANEL_ROWS + i;
                int stored = rowSum.getAtIndex(Layouts.I32, r);
                if (stored != sums[i]) {
                    throw new InvalidLayoutException(NAME + ": rowSum[" + r + "] = " + stored
                            + ", but the row's codes sum to " + sums[i]);
                }
            }
        }
    }

    /** Every code outside the matrix, in the columns past {@code cols} and the rows past {@code rows}, must be zero. */
    private static void checkPadding(MemorySegment codes, int rows, int cols) {
        int stride = Q8Arrays.stride(cols);
        int paddedRows = Q8Arrays.panels(rows) * Q8Arrays.PANEL_ROWS;
        for (int r = 0; r < paddedRows; r++) {
            for (int j = r < rows ? cols : 0; j < stride; j++) {
                if (codes.get(ValueLayout.JAVA_BYTE, Q8Arrays.codeOffset(stride, r, j)) != 0) {
                    throw new InvalidLayoutException(NAME + ": row " + r + " has a non-zero padding code at column " + j);
                }
            }
        }
    }

    /** Whether products quantize activations to int8. */
    public boolean int8Activations() {
        return arrays.int8Activations();
    }

    @Override
    public boolean quantizesActivations() {
        return int8Activations();
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
        for (int c = 0; c < cols(); c++) {
            dst.setAtIndex(Layouts.F32, c, (float) arrays.code(row, c) * scale);
        }
        for (int p = arrays.patchPtr().get(row); p < arrays.patchPtr().get(row + 1); p++) {
            int c = arrays.patchCol().get(p);
            int code = arrays.code(row, c) + arrays.patchDelta().getAtIndex(Layouts.I32, p);
            dst.setAtIndex(Layouts.F32, c, (float) code * scale);
        }
    }

    @Override
    protected Layout layoutK() {
        Map<String, LayoutArray> layoutArrays = Layout.newArrays();
        layoutArrays.put(CODES, new LayoutArray(ElementType.I8, arrays.codes()));
        layoutArrays.put("rowScale", LayoutArray.f32(arrays.rowScale()));
        layoutArrays.put("rowSum", new LayoutArray(ElementType.I32, arrays.rowSum()));
        layoutArrays.put("patchPtr", LayoutArray.of(arrays.patchPtr()));
        layoutArrays.put("patchCol", LayoutArray.of(arrays.patchCol()));
        layoutArrays.put("patchDelta", new LayoutArray(ElementType.I32, arrays.patchDelta()));
        return new Layout(NAME, rows(), cols(), Map.of(INT8_ACTIVATIONS, int8Activations() ? 1L : 0L), layoutArrays);
    }
}
