package dev.tersor.format.csr;

import dev.tersor.format.AbstractWeightMatrix;
import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.EnergyClass;
import dev.tersor.format.Layout;
import dev.tersor.format.LayoutArray;
import dev.tersor.format.MatrixFormat;
import dev.tersor.format.OffHeap;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.arrays.CsrArrays;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;

/**
 * Compressed sparse row, float32 values: {@code values[nnz]}, {@code colIdx[nnz]} (ascending within a
 * row), {@code rowPtr[rows+1]}. The implicit value is {@code +0.0}; every other bit pattern,
 * {@code −0.0} included, is stored. Index arrays use the narrowest width that fits.
 */
public final class CsrMatrix extends AbstractWeightMatrix {

    public static final String NAME = "csr";

    public static final MatrixFormat FORMAT = MatrixFormat.named(NAME)
            .description("compressed sparse row: float32 values, column indices, row pointers")
            .encoder(CsrMatrix::encode)
            .denseEncoder(CsrMatrix::encode)
            .reader(CsrMatrix::fromLayout)
            // a gathered entry (index load plus indirect x load) costs 2; rows add 1 each
            .cost(s -> 2.0 * (s.entries() - s.zeros()) + s.rows())
            .energy(EnergyClass.SPARSE)
            .loadTarget(MatrixFormat.LoadTarget.ALWAYS)
            .build();

    private final MemorySegment values;
    private final IndexArray colIdx;
    private final IndexArray rowPtr;

    private CsrMatrix(int rows, int cols, MemorySegment values, IndexArray colIdx, IndexArray rowPtr, Arena owner) {
        super(NAME, new CsrArrays(rows, cols, values, colIdx, rowPtr), owner);
        this.values = values;
        this.colIdx = colIdx;
        this.rowPtr = rowPtr;
    }

    /** Encodes every entry of {@code source} whose bits are not those of {@code +0.0}. */
    public static CsrMatrix encode(DenseMatrixView source) {
        return encode(source.rows(), source.cols(), source::bits);
    }

    /**
     * Encodes every entry of {@code source} whose decoded bits are not those of {@code +0.0}, reading
     * the codes directly rather than through a decoded copy of the whole matrix.
     */
    public static CsrMatrix encode(QuantizedMatrix source) {
        return encode(source.rows(), source.cols(), (r, c) -> Float.floatToRawIntBits(source.value(r, c)));
    }

    /** Raw float bits of the entry at {@code (row, col)}. */
    @FunctionalInterface
    private interface EntryBits {
        int bits(int row, int col);
    }

    /** Entries whose bits are not +0.0; a negative zero is stored, so that decoding keeps its sign. */
    private static long nonZeros(int rows, int cols, EntryBits source) {
        long nnz = 0;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                if (source.bits(r, c) != 0) {
                    nnz++;
                }
            }
        }
        return nnz;
    }

    private static CsrMatrix encode(int rows, int cols, EntryBits source) {
        long nnz = nonZeros(rows, cols, source);
        if (nnz > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(nnz + " non-zeros exceed the CSR limit of " + Integer.MAX_VALUE);
        }
        return OffHeap.owned(arena -> {
            MemorySegment values = OffHeap.floats(arena, nnz);
            IndexArray colIdx = OffHeap.indices(arena, nnz, cols - 1L);
            IndexArray rowPtr = OffHeap.indices(arena, rows + 1L, nnz);
            int p = 0;
            rowPtr.width().set(rowPtr.segment(), 0, 0);
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    int bits = source.bits(r, c);
                    if (bits != 0) {
                        values.setAtIndex(Layouts.I32, p, bits);
                        colIdx.width().set(colIdx.segment(), p, c);
                        p++;
                    }
                }
                rowPtr.width().set(rowPtr.segment(), r + 1, p);
            }
            return new CsrMatrix(rows, cols, values, colIdx, rowPtr, arena);
        });
    }

    /**
     * A CSR matrix over an untrusted layout. Checks: element types and narrowest widths, array
     * lengths that agree, {@code rowPtr} starting at 0, never decreasing and ending at {@code nnz},
     * and column indices below {@code cols} and strictly ascending within each row.
     */
    public static CsrMatrix fromLayout(Layout layout, Arena owner) {
        layout.requireFormat(NAME);
        int rows = layout.rows();
        int cols = layout.cols();
        MemorySegment values = layout.f32("values");
        long nnz = values.byteSize() / 4;
        IndexArray colIdx = layout.indices("colIdx", cols - 1L);
        IndexArray rowPtr = layout.indices("rowPtr", nnz);
        layout.requireLength("colIdx", layout.array("colIdx"), nnz);
        layout.requireLength("rowPtr", layout.array("rowPtr"), rows + 1L);
        layout.pointers("rowPtr", rowPtr, rows, nnz, nnz, "colIdx");
        long previous = 0;
        for (int r = 0; r < rows; r++) {
            long end = Integer.toUnsignedLong(rowPtr.get(r + 1));
            layout.ascendingColumns("colIdx", colIdx, previous, end, r);
            previous = end;
        }
        return new CsrMatrix(rows, cols, values, colIdx, rowPtr, owner);
    }

    /** Number of stored entries. */
    public long nonZeros() {
        ensureOpen();
        return colIdx.length();
    }

    @Override
    protected long workBefore(int row) {
        return rowPtr.get(row);
    }

    @Override
    protected void decodeRowK(int row, MemorySegment dst) {
        dst.asSlice(0, 4L * cols()).fill((byte) 0);
        int end = rowPtr.get(row + 1);
        for (int p = rowPtr.get(row); p < end; p++) {
            dst.setAtIndex(Layouts.I32, colIdx.get(p), values.getAtIndex(Layouts.I32, p));
        }
    }

    @Override
    protected Layout layoutK() {
        Map<String, LayoutArray> arrays = Layout.newArrays();
        arrays.put("values", LayoutArray.f32(values));
        arrays.put("colIdx", LayoutArray.of(colIdx));
        arrays.put("rowPtr", LayoutArray.of(rowPtr));
        return new Layout(NAME, rows(), cols(), Map.of(), arrays);
    }
}
