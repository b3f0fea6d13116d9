package dev.tersor.format.sham;

import dev.tersor.format.AbstractWeightMatrix;
import dev.tersor.format.DecodedRowWriter;
import dev.tersor.format.EnergyClass;
import dev.tersor.format.InvalidLayoutException;
import dev.tersor.format.Layout;
import dev.tersor.format.LayoutArray;
import dev.tersor.format.MatrixFormat;
import dev.tersor.format.OffHeap;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.format.StoredScales;
import dev.tersor.format.huffman.BitWriter;
import dev.tersor.format.huffman.CodedRows;
import dev.tersor.format.huffman.HuffmanCodes;
import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.IndexWidth;
import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.Scratch;
import dev.tersor.kernels.arrays.ShamArrays;
import dev.tersor.kernels.huffman.DecodeTable;
import dev.tersor.kernels.sham.ShamRows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;

/**
 * Sparse Huffman Address Map (Marinò et al., methods brief §2.2): only the entries that differ from
 * the implicit value are stored. Their codebook codes are canonical Huffman codewords
 * ({@link CodedRows}: {@code stream}, {@code rowBit}, {@code symbols}, {@code lengthCounts}); the
 * implicit value, whose code is left out of the alphabet, is {@code implicit[0]}.
 *
 * <p>The implicit value is the most frequent one (Decision 3), so 0 for any pruned matrix; when it
 * is not 0 the products use {@code W·x = (W − ω0)·x + ω0·Σx}.
 *
 * <p>Columns are plain narrow integers, but stored as gaps rather than absolute positions
 * ({@link ShamRows}): {@code colGap} holds each entry's distance to the previous one, with a filler
 * entry (the width's maximum) standing for a jump that the width cannot express, and
 * {@code rowPtr[rows+1]} the start of each row in {@code colGap}. The encoder picks the width (u8,
 * u16 or u32) that gives the fewest bytes: at 10 % density gaps average 9, so u8 gaps need fillers
 * about once in 10^11 entries and cost 8 bits against 16 for absolute u16 columns. That is what lets
 * sHAM undercut CSER, whose index cost per entry is a full column index. Optional
 * {@code rowScale[rows]} as in Decision 10 (f16 when every scale is one, {@link StoredScales}).
 */
public final class ShamMatrix extends AbstractWeightMatrix {

    public static final String NAME = "sham";

    public static final MatrixFormat FORMAT = MatrixFormat.named(NAME)
            .description("sparse Huffman address map: stored entries Huffman-coded, columns as narrow gaps")
            .accepts(ShamMatrix::accepts, "quantize to at most 2^24 levels, or split the matrix")
            .encoder(ShamMatrix::encode)
            .reader(ShamMatrix::fromLayout)
            // a table decode and a gap per stored entry; rows add 1 each
            .cost(s -> 5.0 * s.explicitEntries() + s.rows())
            .energy(EnergyClass.SPARSE_CODED)
            .loadTarget(MatrixFormat.LoadTarget.NEVER)
            .build();

    private final CodedRows coded;
    private final float implicit;
    private final MemorySegment implicitArray;
    private final IndexArray colGap;
    private final IndexArray rowPtr;
    private final MemorySegment rowScale;
    /** How {@link #rowScale} is stored: null when the matrix has no scales. */
    private final LayoutArray storedScale;
    private final long nonZeros;

    private ShamMatrix(int rows, int cols, CodedRows coded, MemorySegment implicitArray, IndexArray colGap,
                       IndexArray rowPtr, MemorySegment rowScale, LayoutArray storedScale, long nonZeros, Arena owner) {
        float implicit = implicitArray.getAtIndex(Layouts.F32, 0);
        super(NAME, new ShamArrays(rows, cols, coded.stream(), coded.rowBit(), coded.symbols(), coded.decodeTable(),
                implicit, colGap, rowPtr, rowScale), owner);
        this.coded = coded;
        this.implicitArray = implicitArray;
        this.implicit = implicit;
        this.colGap = colGap;
        this.rowPtr = rowPtr;
        this.rowScale = rowScale;
        this.storedScale = storedScale;
        this.nonZeros = nonZeros;
    }

    /** Whether {@code source} fits: at most 2^24 distinct stored codes, offsets within u32. */
    public static boolean accepts(QuantizedMatrix source) {
        long[] counts = source.codeCounts();
        try {
            HuffmanCodes codes = HuffmanCodes.of(source, counts, implicitCode(source), DecodeTable.MAX_CODE_LENGTH);
            return HuffmanCodes.addressable(codes.streamBits(counts));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static int implicitCode(QuantizedMatrix source) {
        return source.codebookSize() == 0 ? -1 : source.codesByFrequency()[0];
    }

    /** Encodes {@code source} losslessly with codes of at most 24 bits. */
    public static ShamMatrix encode(QuantizedMatrix source) {
        return encode(source, DecodeTable.MAX_CODE_LENGTH);
    }

    /** The gap width whose entries ({@code entries[width.ordinal()]}, fillers included) take the fewest bytes. */
    private static IndexWidth fewestBytes(long[] entries) {
        IndexWidth width = IndexWidth.U32;
        for (IndexWidth candidate : IndexWidth.values()) {
            if (width.byteSize(entries[width.ordinal()]) > candidate.byteSize(entries[candidate.ordinal()])) {
                width = candidate;
            }
        }
        return width;
    }

    /** Encodes {@code source} losslessly with codes of at most {@code lengthLimit} bits. */
    public static ShamMatrix encode(QuantizedMatrix source, int lengthLimit) {
        int rows = source.rows();
        int cols = source.cols();
        int skip = implicitCode(source);
        float implicit = skip < 0 ? 0f : source.codebookValue(skip);
        HuffmanCodes codes = HuffmanCodes.of(source, source.codeCounts(), skip, lengthLimit);

        // Entries each gap width would need, fillers included; keep the width with the fewest bytes.
        long[] entries = new long[IndexWidth.values().length];
        for (int r = 0; r < rows; r++) {
            int previous = -1;
            for (int c = 0; c < cols; c++) {
                if (source.code(r, c) != skip) {
                    long gap = c - previous - 1;
                    for (IndexWidth width : IndexWidth.values()) {
                        entries[width.ordinal()] += gap / width.maxValue() + 1;
                    }
                    previous = c;
                }
            }
        }
        IndexWidth width = fewestBytes(entries);
        long gapEntries = entries[width.ordinal()];
        if (gapEntries > IndexWidth.U32.maxValue()) {
            throw new IllegalArgumentException(gapEntries + " column entries exceed the u32 limit");
        }
        int escape = (int) width.maxValue();

        return OffHeap.owned(arena -> {
            IndexArray colGap = new IndexArray(OffHeap.bytes(arena, width.byteSize(gapEntries)), width);
            IndexArray rowPtr = OffHeap.indices(arena, rows + 1L, gapEntries);
            BitWriter writer = new BitWriter();
            long[] rowStarts = new long[rows + 1];
            int p = 0;
            long nonZeros = 0;
            for (int r = 0; r < rows; r++) {
                rowStarts[r] = writer.position();
                rowPtr.width().set(rowPtr.segment(), r, p);
                int previous = -1;
                for (int c = 0; c < cols; c++) {
                    int k = source.code(r, c);
                    if (k != skip) {
                        int gap = c - previous - 1;
                        while (gap >= escape) {
                            width.set(colGap.segment(), p++, escape);
                            gap -= escape;
                        }
                        width.set(colGap.segment(), p++, gap);
                        codes.write(writer, k);
                        nonZeros++;
                        previous = c;
                    }
                }
            }
            rowStarts[rows] = writer.position();
            rowPtr.width().set(rowPtr.segment(), rows, p);
            CodedRows coded = CodedRows.create(arena, codes.code(), codes.values(source), writer, rowStarts);
            MemorySegment implicitArray = OffHeap.floats(arena, new float[]{implicit});
            MemorySegment rowScale = OffHeap.rowScales(arena, source);
            LayoutArray stored = rowScale.byteSize() == 0 ? null : StoredScales.stored(arena, rowScale);
            return new ShamMatrix(rows, cols, coded, implicitArray, colGap, rowPtr, rowScale, stored, nonZeros, arena);
        });
    }

    /**
     * A matrix over an untrusted layout. Checks {@code implicit} (one f32), {@code colGap} (any
     * unsigned width), {@code rowPtr} (narrowest width, from 0, never decreasing, ending at the
     * number of gap entries), that every row's columns stay below {@code cols}, and then the coded
     * rows ({@link CodedRows#validate}) with as many codewords per row as the row has stored columns.
     */
    public static ShamMatrix fromLayout(Layout layout, Arena owner) {
        layout.requireFormat(NAME);
        int rows = layout.rows();
        int cols = layout.cols();
        MemorySegment implicitArray = layout.f32("implicit", 1);
        LayoutArray gapArray = layout.array("colGap");
        if (!gapArray.type().isIndex() || gapArray.byteSize() % gapArray.type().bytes() != 0) {
            throw new InvalidLayoutException(NAME + ": colGap must be whole unsigned index elements, got "
                    + gapArray.byteSize() + " bytes of " + gapArray.type());
        }
        IndexArray colGap = new IndexArray(gapArray.data(), gapArray.type().indexWidth());
        long gapEntries = colGap.length();
        IndexArray rowPtr = layout.indices("rowPtr", gapEntries);
        layout.requireLength("rowPtr", layout.array("rowPtr"), rows + 1L);
        layout.pointers("rowPtr", rowPtr, rows, gapEntries, gapEntries, "colGap");
        long escape = colGap.width().maxValue();
        int[] stored = new int[rows];
        long nonZeros = 0;
        long previous = 0;
        for (int r = 0; r < rows; r++) {
            long end = Integer.toUnsignedLong(rowPtr.get(r + 1));
            long col = -1;
            int m = 0;
            for (long p = previous; p < end; p++) {
                long e = Integer.toUnsignedLong(colGap.get(p));
                col += e == escape ? e : e + 1;
                if (col >= cols) {
                    throw new InvalidLayoutException(NAME + ": colGap[" + p + "] takes row " + r + " to column " + col
                            + ", not below cols = " + cols);
                }
                if (e != escape) {
                    m++;
                }
            }
            stored[r] = m;
            nonZeros += m;
            previous = end;
        }
        CodedRows coded = CodedRows.validate(layout, r -> stored[r]);
        boolean scaled = layout.has("rowScale");
        MemorySegment rowScale = scaled ? StoredScales.read(layout, "rowScale", rows) : MemorySegment.NULL;
        return new ShamMatrix(rows, cols, coded, implicitArray, colGap, rowPtr, rowScale,
                scaled ? layout.array("rowScale") : null, nonZeros, owner);
    }

    /** Number of stored entries (those that differ from the implicit value). */
    public long nonZeros() {
        ensureOpen();
        return nonZeros;
    }

    /** Stream bits per stored entry (without the last word's padding): at most H + 1 for their entropy H. */
    public double streamBitsPerNonZero() {
        ensureOpen();
        return nonZeros == 0 ? 0 : (double) coded.streamBits() / nonZeros;
    }

    @Override
    public Map<String, Double> details() {
        Map<String, Double> details = new java.util.LinkedHashMap<>();
        details.put("streamBitsPerNonZero", streamBitsPerNonZero());
        details.put("gapBits", (double) colGap.width().bits());
        return details;
    }

    @Override
    protected long workBefore(int row) {
        return Integer.toUnsignedLong(rowPtr.get(row)) + Integer.toUnsignedLong(coded.rowBit().get(row));
    }

    @Override
    protected void decodeRowK(int row, MemorySegment dst) {
        int start = rowPtr.get(row);
        int end = rowPtr.get(row + 1);
        int[] columns = Scratch.columns(end - start);
        int m = ShamRows.columns(colGap, start, end, columns);
        int[] sym = Scratch.symbols(m);
        coded.decodeRow(row, m, sym);
        for (int i = 0; i < m; i++) {
            sym[i] = coded.symbolBits(sym[i]);
        }
        DecodedRowWriter.sparse(dst, cols(), implicit, rowScale, row, columns, sym, m);
    }

    @Override
    protected Layout layoutK() {
        Map<String, LayoutArray> arrays = Layout.newArrays();
        coded.putArrays(arrays);
        arrays.put("implicit", LayoutArray.f32(implicitArray));
        arrays.put("colGap", LayoutArray.of(colGap));
        arrays.put("rowPtr", LayoutArray.of(rowPtr));
        if (storedScale != null) {
            arrays.put("rowScale", storedScale);
        }
        return new Layout(NAME, rows(), cols(), Map.of(), arrays);
    }
}
