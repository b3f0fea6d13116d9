package dev.tersor.format.ham;

import dev.tersor.format.AbstractWeightMatrix;
import dev.tersor.format.DecodedRowWriter;
import dev.tersor.format.EnergyClass;
import dev.tersor.format.Layout;
import dev.tersor.format.LayoutArray;
import dev.tersor.format.MatrixFormat;
import dev.tersor.format.OffHeap;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.format.StoredScales;
import dev.tersor.format.huffman.BitWriter;
import dev.tersor.format.huffman.CodedRows;
import dev.tersor.format.huffman.HuffmanCodes;
import dev.tersor.kernels.Scratch;
import dev.tersor.kernels.arrays.HamArrays;
import dev.tersor.kernels.huffman.DecodeTable;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;

/**
 * Huffman Address Map (Marinò et al., methods brief §2.2): every entry, zeros included, replaced by
 * the canonical Huffman codeword of its codebook code, row after row (Decision 1: rows are outputs,
 * the papers' per-column streams are Tersor's per-row streams). The arrays are those of
 * {@link CodedRows}, plus an optional {@code rowScale[rows]}: {@code W[r][c] = symbols[k]·rowScale[r]}
 * (Decision 10), the code coding {@code k}; stored as f16 when every scale is one ({@link StoredScales}).
 *
 * <p>Size: the stream is at most {@code H + 1} bits per entry for entropy H of the codes, plus the
 * offsets and the small code description. Products decode on the fly; the matrix is never
 * materialized.
 */
public final class HamMatrix extends AbstractWeightMatrix {

    public static final String NAME = "ham";

    public static final MatrixFormat FORMAT = MatrixFormat.named(NAME)
            .description("Huffman address map: every entry a canonical Huffman codeword, rows streamed MSB-first")
            .accepts(HamMatrix::accepts, "quantize to at most 2^24 levels, or split the matrix")
            .encoder(HamMatrix::encode)
            .reader(HamMatrix::fromLayout)
            .gatherReader(HamMatrix::forGathering)
            // a table decode per entry
            .cost(s -> 4.0 * s.entries())
            .energy(EnergyClass.CODED)
            .loadTarget(MatrixFormat.LoadTarget.NEVER)
            .build();

    private final CodedRows coded;
    private final MemorySegment rowScale;
    /** How {@link #rowScale} is stored: null when the matrix has no scales. */
    private final LayoutArray storedScale;

    private HamMatrix(int rows, int cols, CodedRows coded, MemorySegment rowScale, LayoutArray storedScale, Arena owner) {
        super(NAME, new HamArrays(rows, cols, coded.stream(), coded.rowBit(), coded.symbols(), coded.decodeTable(),
                rowScale), owner);
        this.coded = coded;
        this.rowScale = rowScale;
        this.storedScale = storedScale;
    }

    /** Whether {@code source} fits: at most 2^24 distinct codes, a stream addressable by u32 offsets. */
    public static boolean accepts(QuantizedMatrix source) {
        long[] counts = source.codeCounts();
        try {
            HuffmanCodes codes = HuffmanCodes.of(source, counts, -1, DecodeTable.MAX_CODE_LENGTH);
            return HuffmanCodes.addressable(codes.streamBits(counts));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Encodes {@code source} losslessly with codes of at most 24 bits. */
    public static HamMatrix encode(QuantizedMatrix source) {
        return encode(source, DecodeTable.MAX_CODE_LENGTH);
    }

    /** Encodes {@code source} losslessly with codes of at most {@code lengthLimit} bits. */
    public static HamMatrix encode(QuantizedMatrix source, int lengthLimit) {
        int rows = source.rows();
        int cols = source.cols();
        HuffmanCodes codes = HuffmanCodes.of(source, source.codeCounts(), -1, lengthLimit);
        BitWriter writer = new BitWriter();
        long[] rowStarts = new long[rows + 1];
        for (int r = 0; r < rows; r++) {
            rowStarts[r] = writer.position();
            for (int c = 0; c < cols; c++) {
                codes.write(writer, source.code(r, c));
            }
        }
        rowStarts[rows] = writer.position();
        return OffHeap.owned(arena -> {
            CodedRows coded = CodedRows.create(arena, codes.code(), codes.values(source), writer, rowStarts);
            MemorySegment rowScale = OffHeap.rowScales(arena, source);
            LayoutArray stored = rowScale.byteSize() == 0 ? null : StoredScales.stored(arena, rowScale);
            return new HamMatrix(rows, cols, coded, rowScale, stored, arena);
        });
    }

    /** A matrix over an untrusted layout; see {@link CodedRows#validate} for the checks. */
    public static HamMatrix fromLayout(Layout layout, Arena owner) {
        layout.requireFormat(NAME);
        int cols = layout.cols();
        return over(layout, CodedRows.validate(layout, r -> cols), owner);
    }

    /**
     * A table the graph only gathers rows from, over an untrusted layout: {@link #fromLayout}'s checks
     * but the pass over every codeword, which each decoded row gets instead and a product gets in full
     * before its kernels run ({@link CodedRows#validateStructure}).
     */
    public static HamMatrix forGathering(Layout layout, Arena owner) {
        layout.requireFormat(NAME);
        int cols = layout.cols();
        return over(layout, CodedRows.validateStructure(layout, r -> cols), owner);
    }

    private static HamMatrix over(Layout layout, CodedRows coded, Arena owner) {
        int cols = layout.cols();
        if (!layout.has("rowScale")) {
            return new HamMatrix(layout.rows(), cols, coded, MemorySegment.NULL, null, owner);
        }
        MemorySegment rowScale = StoredScales.read(layout, "rowScale", layout.rows());
        return new HamMatrix(layout.rows(), cols, coded, rowScale, layout.array("rowScale"), owner);
    }

    /** Stream bits per entry (without the last word's padding): at most H + 1 for entropy H. */
    public double streamBitsPerEntry() {
        ensureOpen();
        long entries = (long) rows() * cols();
        return entries == 0 ? 0 : (double) coded.streamBits() / entries;
    }

    @Override
    public Map<String, Double> details() {
        return Map.of("streamBitsPerEntry", streamBitsPerEntry());
    }

    @Override
    protected long workBefore(int row) {
        return (long) row * cols() + Integer.toUnsignedLong(coded.rowBit().get(row));
    }

    @Override
    protected void finishChecks() {
        coded.checkAllRows();
    }

    @Override
    protected void decodeRowK(int row, MemorySegment dst) {
        int cols = cols();
        int[] sym = Scratch.symbols(cols);
        coded.decodeRow(row, cols, sym);
        for (int c = 0; c < cols; c++) {
            sym[c] = coded.symbolBits(sym[c]);
        }
        DecodedRowWriter.dense(dst, cols, rowScale, row, sym);
    }

    @Override
    protected Layout layoutK() {
        Map<String, LayoutArray> arrays = Layout.newArrays();
        coded.putArrays(arrays);
        if (storedScale != null) {
            arrays.put("rowScale", storedScale);
        }
        return new Layout(NAME, rows(), cols(), Map.of(), arrays);
    }
}
