package dev.tersor.format.bitpack;

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
import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.IndexWidth;
import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.arrays.BitpackArrays;
import dev.tersor.kernels.bitpack.BitpackRows;
import dev.tersor.kernels.bitpack.BitpackScalarKernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;

/**
 * Per-channel bit-packed matrix, the inference export of self-compressing networks (Cséfalvay and
 * Imber; methods brief §5.4, Decision 7). Row r (an output channel) has its own width
 * {@code B_r ∈ [0, 16]} and scale {@code 2^{e_r}}; its values are {@code B_r}-bit two's-complement
 * integers {@code q}, and {@code W[r][c] = q·2^{e_r}}. Rows with {@code B_r = 0} are absent: they
 * store nothing and are zero.
 *
 * <p>Arrays: {@code rowBits} u8[rows] (which rows survive, and their widths); {@code rowScale}
 * f32[rows] ({@code 2^{e_r}}, exactly a power of two; 1 for absent rows; negated for a row whose
 * zeros are −0.0, as a negative per-row scale of a codebook produces them); {@code rowPtr[rows+1]}
 * the first u32 word of each row in {@code data}, narrowest width; {@code data} u32 words, each row
 * laid out as {@link BitpackRows} describes.
 *
 * <p>Two encoders: {@link #encode(QuantizedMatrix)} is lossless and takes only what the format can
 * hold exactly (see {@link #accepts}); {@link #quantize} takes any float matrix with chosen
 * {@code (B_r, e_r)} and rounds it as §5.2 prescribes.
 */
public final class BitpackMatrix extends AbstractWeightMatrix {

    public static final String NAME = "bitpack";

    public static final MatrixFormat FORMAT = MatrixFormat.named(NAME)
            .description("per-channel bit-packed: each row B_r-bit integers times 2^e_r (self-compression export)")
            .accepts(BitpackMatrix::accepts, "use --quant perchannel for bitpack")
            .encoder(BitpackMatrix::encode)
            .reader(BitpackMatrix::fromLayout)
            // an unpack per entry
            .cost(s -> 1.5 * s.entries())
            .energy(EnergyClass.PACKED)
            .loadTarget(MatrixFormat.LoadTarget.NEVER)
            .build();

    private final MemorySegment rowBits;
    private final MemorySegment rowScale;
    private final IndexArray rowPtr;
    private final MemorySegment data;

    private BitpackMatrix(int rows, int cols, MemorySegment rowBits, MemorySegment rowScale, IndexArray rowPtr,
                          MemorySegment data, Arena owner) {
        super(NAME, new BitpackArrays(rows, cols, rowBits, rowScale, rowPtr, data), owner);
        this.rowBits = rowBits;
        this.rowScale = rowScale;
        this.rowPtr = rowPtr;
        this.data = data;
    }

    /**
     * Whether every row of {@code source} is, exactly, 16-bit integers times ± one power of two: no
     * NaN or infinity, zeros of one sign per row, and within a row the spread between the largest
     * value and the smallest power of two any value needs fits 16 bits.
     */
    public static boolean accepts(QuantizedMatrix source) {
        int[] row = new int[source.cols()];
        for (int r = 0; r < source.rows(); r++) {
            if (!formatOf(source, r, row).representable()) {
                return false;
            }
        }
        return true;
    }

    private static RowFormat formatOf(QuantizedMatrix source, int r, int[] row) {
        for (int c = 0; c < row.length; c++) {
            row[c] = Float.floatToRawIntBits(source.value(r, c));
        }
        return RowFormat.of(row, row.length);
    }

    /**
     * Encodes {@code source} exactly, each row with the fewest bits and the largest exponent that
     * represent it.
     *
     * @throws IllegalArgumentException if a row cannot be represented ({@link #accepts} is false)
     */
    public static BitpackMatrix encode(QuantizedMatrix source) {
        int rows = source.rows();
        int cols = source.cols();
        int[] bits = new int[rows];
        float[] scales = new float[rows];
        RowFormat[] formats = new RowFormat[rows];
        int[] row = new int[cols];
        for (int r = 0; r < rows; r++) {
            RowFormat format = formatOf(source, r, row);
            if (!format.representable()) {
                throw new IllegalArgumentException("row " + r + " is not 16-bit integers times one power of two"
                        + " (or holds NaN, an infinity, or zeros of both signs); the bit-packed format cannot hold it"
                        + " exactly");
            }
            formats[r] = format;
            bits[r] = format.bits();
            scales[r] = format.scale();
        }
        return build(rows, cols, bits, scales, (r, c) -> RowFormat.integer(
                Float.floatToRawIntBits(source.value(r, c)), formats[r].exponent(), formats[r].negative()));
    }

    /**
     * Quantizes a float matrix with the given per-row widths and exponents, as the self-compression
     * quantizer does (methods brief §5.2):
     * {@code q = round(clamp(2^{−e}·w, −2^{B−1}, 2^{B−1} − 1))}, rounding half to even, so
     * {@code W[r][c] = q·2^e}. Rows with {@code B = 0} clamp to {@code [−½, −½]}, round to 0 and
     * are removed.
     */
    public static BitpackMatrix quantize(DenseMatrixView source, int[] bits, int[] exponents) {
        int rows = source.rows();
        if (bits.length != rows || exponents.length != rows) {
            throw new IllegalArgumentException(bits.length + " widths and " + exponents.length + " exponents for "
                    + rows + " rows");
        }
        for (int r = 0; r < rows; r++) {
            if (bits[r] < 0 || bits[r] > BitpackRows.MAX_BITS) {
                throw new IllegalArgumentException("row " + r + ": width " + bits[r] + " is outside 0.." + BitpackRows.MAX_BITS);
            }
            if (exponents[r] < -149 || exponents[r] > 127) {
                throw new IllegalArgumentException("row " + r + ": 2^" + exponents[r] + " is not a float");
            }
        }
        float[] scales = new float[rows];
        for (int r = 0; r < rows; r++) {
            scales[r] = bits[r] == 0 ? 1f : Math.scalb(1f, exponents[r]);
        }
        int[] widths = bits.clone();
        int[] powers = exponents.clone();
        return build(rows, source.cols(), widths, scales, (r, c) -> {
            if (widths[r] == 0) {
                return 0;
            }
            double low = -Math.scalb(1.0, widths[r] - 1);
            double high = Math.scalb(1.0, widths[r] - 1) - 1;
            double scaled = Math.scalb((double) source.get(r, c), -powers[r]);
            return (long) Math.rint(Math.max(low, Math.min(high, scaled)));
        });
    }

    /** u32 words that rows of {@code bits[r]}-bit values take together. */
    private static long dataWords(int rows, int cols, int[] bits) {
        long words = 0;
        for (int r = 0; r < rows; r++) {
            words += BitpackRows.rowWords(cols, bits[r]);
        }
        return words;
    }

    private interface Values {
        long q(int row, int col);
    }

    private static BitpackMatrix build(int rows, int cols, int[] bits, float[] scales, Values values) {
        long words = dataWords(rows, cols, bits);
        if (words > IndexWidth.U32.maxValue()) {
            throw new IllegalArgumentException(words + " data words exceed the u32 limit");
        }
        return OffHeap.owned(arena -> {
            MemorySegment rowBits = OffHeap.bytes(arena, rows);
            MemorySegment rowScale = OffHeap.floats(arena, rows);
            IndexArray rowPtr = OffHeap.indices(arena, rows + 1L, words);
            MemorySegment data = OffHeap.bytes(arena, 4 * words);
            long base = 0;
            for (int r = 0; r < rows; r++) {
                rowBits.set(ValueLayout.JAVA_BYTE, r, (byte) bits[r]);
                rowScale.setAtIndex(Layouts.F32, r, scales[r]);
                rowPtr.width().set(rowPtr.segment(), r, (int) base);
                for (int c = 0; c < cols && bits[r] > 0; c++) {
                    put(data, base, c, bits[r], (int) values.q(r, c));
                }
                base += BitpackRows.rowWords(cols, bits[r]);
            }
            rowPtr.width().set(rowPtr.segment(), rows, (int) base);
            return new BitpackMatrix(rows, cols, rowBits, rowScale, rowPtr, data, arena);
        });
    }

    /** ORs the low {@code bits} bits of {@code q} into value {@code j}'s place of the row at {@code base}. */
    private static void put(MemorySegment data, long base, int j, int bits, int q) {
        long word = base + BitpackRows.wordOf(j, bits);
        int shift = BitpackRows.shiftOf(j, bits);
        long v = (q & ((1L << bits) - 1)) << shift;
        data.setAtIndex(Layouts.I32, word, data.getAtIndex(Layouts.I32, word) | (int) v);
        if (shift + bits > 32) {
            long next = word + BitpackRows.LANES;
            data.setAtIndex(Layouts.I32, next, data.getAtIndex(Layouts.I32, next) | (int) (v >>> 32));
        }
    }

    /**
     * A matrix over an untrusted layout. Checks: {@code rowBits} u8 with widths 0..16;
     * {@code rowScale} f32, each a positive power of two; {@code rowPtr} of the narrowest width,
     * from 0, each row exactly as long as its width and the shape require, ending at the data's
     * length; {@code data} whole u32 words.
     */
    public static BitpackMatrix fromLayout(Layout layout, Arena owner) {
        layout.requireFormat(NAME);
        int rows = layout.rows();
        int cols = layout.cols();
        LayoutArray bitsArray = layout.array("rowBits");
        if (bitsArray.type() != ElementType.U8) {
            throw new InvalidLayoutException(NAME + ": rowBits has type " + bitsArray.type() + ", expected U8");
        }
        layout.requireLength("rowBits", bitsArray, rows);
        MemorySegment rowBits = bitsArray.data();
        MemorySegment rowScale = layout.f32("rowScale", rows);
        LayoutArray dataArray = layout.array("data");
        if (dataArray.type() != ElementType.U32 || dataArray.byteSize() % 4 != 0) {
            throw new InvalidLayoutException(NAME + ": data must be whole u32 words, got " + dataArray.byteSize()
                    + " bytes of " + dataArray.type());
        }
        long words = dataArray.byteSize() / 4;
        IndexArray rowPtr = layout.indices("rowPtr", words);
        layout.requireLength("rowPtr", layout.array("rowPtr"), rows + 1L);
        long expected = 0;
        for (int r = 0; r < rows; r++) {
            int bits = rowBits.get(ValueLayout.JAVA_BYTE, r) & 0xFF;
            if (bits > BitpackRows.MAX_BITS) {
                throw new InvalidLayoutException(NAME + ": row " + r + " has width " + bits + ", beyond "
                        + BitpackRows.MAX_BITS + " bits");
            }
            int scaleBits = rowScale.getAtIndex(Layouts.I32, r);
            if (!isPowerOfTwo(scaleBits)) {
                throw new InvalidLayoutException(NAME + ": rowScale[" + r + "] = " + Float.intBitsToFloat(scaleBits)
                        + " is not ± a power of two");
            }
            long start = Integer.toUnsignedLong(rowPtr.get(r));
            if (start != expected) {
                throw new InvalidLayoutException(NAME + ": rowPtr[" + r + "] = " + start + " but the rows before it fill "
                        + expected + " words");
            }
            expected += BitpackRows.rowWords(cols, bits);
            if (expected > words) {
                throw new InvalidLayoutException(NAME + ": row " + r + " (" + bits + " bits × " + cols
                        + " values) runs past the end of data (" + words + " words)");
            }
        }
        long end = Integer.toUnsignedLong(rowPtr.get(rows));
        if (end != expected || expected != words) {
            throw new InvalidLayoutException(NAME + ": rowPtr[" + rows + "] = " + end + " and data has " + words
                    + " words, but the rows fill " + expected);
        }
        return new BitpackMatrix(rows, cols, rowBits, rowScale, rowPtr, dataArray.data(), owner);
    }

    /** Whether the float is ± a power of two (subnormal ones included). */
    private static boolean isPowerOfTwo(int floatBits) {
        int biased = (floatBits >>> 23) & 0xFF;
        int mantissa = floatBits & 0x7F_FFFF;
        if (biased == 0xFF) {
            return false;
        }
        return biased == 0 ? Integer.bitCount(mantissa) == 1 : mantissa == 0;
    }

    /** Width of row {@code r}; 0 if the row is absent. */
    public int rowBits(int r) {
        ensureOpen();
        return rowBits.get(ValueLayout.JAVA_BYTE, r) & 0xFF;
    }

    /** Scale {@code ±2^{e_r}} of row {@code r}. */
    public float rowScale(int r) {
        ensureOpen();
        return rowScale.getAtIndex(Layouts.F32, r);
    }

    @Override
    public Map<String, Double> details() {
        long bits = 0;
        int surviving = 0;
        for (int r = 0; r < rows(); r++) {
            int b = rowBits(r);
            bits += b;
            surviving += b > 0 ? 1 : 0;
        }
        Map<String, Double> details = new java.util.LinkedHashMap<>();
        details.put("survivingRows", (double) surviving);
        details.put("meanRowBits", surviving == 0 ? 0 : (double) bits / surviving);
        return details;
    }

    @Override
    protected long workBefore(int row) {
        return Integer.toUnsignedLong(rowPtr.get(row)) + (long) row * (cols() / 8 + 1);
    }

    @Override
    protected void decodeRowK(int row, MemorySegment dst) {
        int bits = rowBits.get(ValueLayout.JAVA_BYTE, row) & 0xFF;
        float scale = rowScale.getAtIndex(Layouts.F32, row);
        long base = Integer.toUnsignedLong(rowPtr.get(row));
        for (int c = 0; c < cols(); c++) {
            int q = bits == 0 ? 0 : BitpackScalarKernel.value(data, base, c, bits);
            dst.setAtIndex(Layouts.F32, c, q * scale);
        }
    }

    @Override
    protected Layout layoutK() {
        Map<String, LayoutArray> arrays = Layout.newArrays();
        arrays.put("rowBits", new LayoutArray(ElementType.U8, rowBits));
        arrays.put("rowScale", LayoutArray.f32(rowScale));
        arrays.put("rowPtr", LayoutArray.of(rowPtr));
        arrays.put("data", new LayoutArray(ElementType.U32, data));
        return new Layout(NAME, rows(), cols(), Map.of(), arrays);
    }
}
