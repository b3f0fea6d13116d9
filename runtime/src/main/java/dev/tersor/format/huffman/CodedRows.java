package dev.tersor.format.huffman;

import dev.tersor.format.InvalidLayoutException;
import dev.tersor.format.Layout;
import dev.tersor.format.LayoutArray;
import dev.tersor.format.OffHeap;
import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.IndexWidth;
import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.huffman.CanonicalDecoder;
import dev.tersor.kernels.huffman.DecodeTable;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.function.IntUnaryOperator;
import java.util.stream.IntStream;

/**
 * Rows of canonical Huffman codewords, the part HAM and sHAM share:
 * <ul>
 *   <li>{@code stream}: u32 words, codewords MSB-first, rows one after another with no padding
 *       between them; only the last word is zero-padded;
 *   <li>{@code rowLength[rows]}: each row's codewords in bits, in the narrowest width holding the
 *       longest (u16 for any real row: half of what absolute offsets take). The kernels' offsets,
 *       {@code rowBit[rows+1]} (where each row starts, then the stream's length), are their prefix sums,
 *       made when the rows are created or validated. Files written before this kept {@code rowBit}
 *       itself (the narrowest width holding the stream's length); they still read;
 *   <li>{@code symbols}: f32, the codebook value of each symbol in canonical order;
 *   <li>{@code lengthCounts[L+1]}: how many codewords have each length 0..L; with the symbol order
 *       this is the whole code (see {@link CanonicalCode}).
 * </ul>
 * The kernels' decode table is derived from {@code lengthCounts} when the rows are created or
 * validated, never read from a layout, so it cannot disagree with the code. It lives in memory
 * the garbage collector manages and is not part of {@link dev.tersor.format.WeightMatrix#byteSize()},
 * which counts what is stored; it takes {@code 4·(2 + 2(L+2) + 2^min(L,10))} bytes, at most 4.4 KiB.
 */
public final class CodedRows {

    /** Stream bits per task of a parallel check: a quarter of a megabyte of codewords. */
    private static final long BITS_PER_TASK = 1L << 21;

    private final MemorySegment stream;
    private final IndexArray rowBit;
    private final IndexArray rowLength;
    private final MemorySegment symbols;
    private final IndexArray lengthCounts;
    private final int[] table;
    private final MemorySegment decodeTable;
    /**
     * {@link CanonicalDecoder#groups} of the table, made by the first {@link #decodeRow} (16 KiB; most
     * matrices never decode a row).
     */
    private volatile int[] groups;
    /** The format name for messages, and the codewords each row must hold: what {@link #checkAllRows} checks. */
    private final String name;
    private final IntUnaryOperator symbolsInRow;
    /** Whether every row's codewords were checked; until then {@link #decodeRow} checks each row it decodes. */
    private volatile boolean rowsChecked;

    private CodedRows(MemorySegment stream, IndexArray rowBit, IndexArray rowLength, MemorySegment symbols,
                      IndexArray lengthCounts, int[] table, String name, IntUnaryOperator symbolsInRow,
                      boolean rowsChecked) {
        this.name = name;
        this.symbolsInRow = symbolsInRow;
        this.rowsChecked = rowsChecked;
        this.stream = stream;
        this.rowBit = rowBit;
        this.rowLength = rowLength;
        this.symbols = symbols;
        this.lengthCounts = lengthCounts;
        this.table = table;
        this.decodeTable = OffHeap.floats(Arena.ofAuto(), table.length);
        MemorySegment.copy(table, 0, decodeTable, Layouts.I32, 0, table.length);
    }

    /**
     * Packs what an encoder produced into off-heap arrays owned by {@code arena}.
     *
     * @param values    codebook value of each symbol, indexed by symbol (not canonical position)
     * @param rowStarts start bit of each row, then the stream length
     */
    public static CodedRows create(Arena arena, CanonicalCode code, float[] values, BitWriter writer, long[] rowStarts) {
        long totalBits = writer.position();
        if (totalBits > IndexWidth.U32.maxValue()) {
            throw new IllegalArgumentException("the Huffman stream needs " + totalBits + " bits, beyond the u32 offset limit "
                    + IndexWidth.U32.maxValue());
        }
        MemorySegment stream = writer.toSegment(arena);
        IndexArray rowBit = OffHeap.indices(arena, rowStarts.length, totalBits);
        long longest = 0;
        for (int r = 0; r < rowStarts.length; r++) {
            rowBit.width().set(rowBit.segment(), r, (int) rowStarts[r]);
            longest = r > 0 ? Math.max(longest, rowStarts[r] - rowStarts[r - 1]) : 0;
        }
        IndexArray rowLength = OffHeap.indices(arena, rowStarts.length - 1, longest);
        for (int r = 0; r + 1 < rowStarts.length; r++) {
            rowLength.width().set(rowLength.segment(), r, (int) (rowStarts[r + 1] - rowStarts[r]));
        }
        int[] canonical = code.canonicalOrder();
        MemorySegment symbols = OffHeap.floats(arena, canonical.length);
        for (int p = 0; p < canonical.length; p++) {
            symbols.setAtIndex(Layouts.F32, p, values[canonical[p]]);
        }
        long[] counts = code.lengthCounts();
        IndexArray lengthCounts = OffHeap.indices(arena, counts.length, canonical.length);
        for (int len = 0; len < counts.length; len++) {
            lengthCounts.width().set(lengthCounts.segment(), len, (int) counts[len]);
        }
        // written here from the encoder's own codewords: nothing to check
        return new CodedRows(stream, rowBit, rowLength, symbols, lengthCounts, code.decodeTable(), "coded rows", null, true);
    }

    /**
     * The coded rows of an untrusted layout. Checks the code (lengths at most 24, Kraft sum at most
     * 1, so prefix-free; counts adding up to the symbols), the row lengths (in the narrowest width that
     * holds the longest, adding up to the stream's exact length in bits; or, in older files, offsets from
     * 0, never decreasing, the last one that length), then decodes every row:
     * {@code symbolsInRow(r)} valid codewords must end exactly where the next row starts.
     */
    public static CodedRows validate(Layout layout, IntUnaryOperator symbolsInRow) {
        CodedRows coded = validateStructure(layout, symbolsInRow);
        coded.checkAllRows();
        return coded;
    }

    /**
     * {@link #validate} without the pass over every row's codewords, for rows that are only decoded
     * whole in Java (an embedding table's): {@link #decodeRow} checks each row it decodes, which
     * decoding, safe on any bits, does at no extra cost, and {@link #checkAllRows} must run before
     * anything trusts the stream (a kernel). On the compressed MiniLM the pass over the word table's
     * 11.7 million codewords was about half of a load.
     */
    public static CodedRows validateStructure(Layout layout, IntUnaryOperator symbolsInRow) {
        String name = layout.format();
        int rows = layout.rows();
        MemorySegment symbols = layout.f32("symbols");
        long symbolCount = symbols.byteSize() / 4;
        IndexArray lengthCounts = layout.indices("lengthCounts", symbolCount);
        long lengthsStored = lengthCounts.length();
        if (lengthsStored < 1 || lengthsStored > DecodeTable.MAX_CODE_LENGTH + 1) {
            throw new InvalidLayoutException(name + ": lengthCounts has " + lengthsStored + " entries; code lengths run 0.."
                    + DecodeTable.MAX_CODE_LENGTH);
        }
        long[] counts = new long[(int) lengthsStored];
        long total = 0;
        for (int len = 0; len < counts.length; len++) {
            counts[len] = Integer.toUnsignedLong(lengthCounts.get(len));
            total += counts[len];
        }
        if (total != symbolCount) {
            throw new InvalidLayoutException(name + ": lengthCounts add up to " + total + " codewords for " + symbolCount
                    + " symbols");
        }
        try {
            DecodeTable.checkCounts(counts);
        } catch (IllegalArgumentException e) {
            throw new InvalidLayoutException(name + ": " + e.getMessage());
        }

        LayoutArray streamArray = layout.array("stream");
        if (streamArray.type() != dev.tersor.format.ElementType.U32 || streamArray.byteSize() % 4 != 0) {
            throw new InvalidLayoutException(name + ": stream must be whole u32 words, got " + streamArray.type() + " of "
                    + streamArray.byteSize() + " bytes");
        }
        MemorySegment stream = streamArray.data();
        long capacity = 8 * stream.byteSize();
        IndexArray rowLength = null;
        IndexArray rowBit;
        if (layout.has("rowLength") || !layout.has("rowBit")) {
            rowLength = unsignedIndices(layout, "rowLength", rows);
            rowBit = rowStarts(name, rowLength, rows, capacity);
        } else {
            rowBit = unsignedIndices(layout, "rowBit", rows + 1L);
            layout.pointers("rowBit", rowBit, rows, Integer.toUnsignedLong(rowBit.get(rows)), capacity, "the stream");
        }
        long totalBits = Integer.toUnsignedLong(rowBit.get(rows));
        if (stream.byteSize() / 4 != (totalBits + 31) / 32) {
            throw new InvalidLayoutException(name + ": the stream has " + stream.byteSize() / 4 + " words, but its " + totalBits
                    + " bits of codewords fill " + (totalBits + 31) / 32);
        }
        IndexArray stored = rowLength != null ? rowLength : rowBit;
        long widest = rowLength != null ? longest(rowLength) : totalBits;
        if (stored.width() != IndexWidth.forMaxValue(widest)) {
            String array = rowLength != null ? "rowLength" : "rowBit";
            throw new InvalidLayoutException(name + ": " + array + " is " + layout.array(array).type() + " but values up to "
                    + widest + " need exactly the narrowest width " + IndexWidth.forMaxValue(widest));
        }

        return new CodedRows(stream, rowBit, rowLength, symbols, lengthCounts, DecodeTable.build(counts), name,
                symbolsInRow, false);
    }

    /**
     * Checks every row's codewords, the rest of {@link #validate}, unless that was done: each row's
     * {@code symbolsInRow(r)} codewords must be valid and end exactly where the next row starts.
     * Throws {@link InvalidLayoutException} naming the lowest row that breaks this, every time it is
     * called on such rows.
     */
    public void checkAllRows() {
        if (rowsChecked) {
            return;
        }
        synchronized (this) {
            if (rowsChecked) {
                return;
            }
            int rows = (int) (rowBit.length() - 1);
            boolean bitsPerSymbol = lengthCounts.length() > 1;
            int[] runs = CanonicalDecoder.runs(table);
            // Rows decode independently, so a long stream (an embedding table's) is checked in row ranges
            // on the common pool when its memory may be read from other threads; the failure reported is
            // the lowest row's, as checking in order would find first.
            int tasks = Math.clamp(streamBits() / BITS_PER_TASK, 1, Math.max(1, rows));
            boolean parallel = tasks > 1 && OffHeap.readableFromAnyThread(stream);
            RuntimeException[] failures = new RuntimeException[tasks];
            IntStream ranges = IntStream.range(0, tasks);
            (parallel ? ranges.parallel() : ranges).forEach(t -> {
                try {
                    checkRows(name, (int) ((long) rows * t / tasks), (int) ((long) rows * (t + 1) / tasks), symbolsInRow,
                            bitsPerSymbol, runs);
                } catch (RuntimeException e) {
                    failures[t] = e;
                }
            });
            for (RuntimeException failure : failures) {
                if (failure != null) {
                    throw failure;
                }
            }
            rowsChecked = true;
        }
    }

    private static IndexArray unsignedIndices(Layout layout, String name, long length) {
        LayoutArray array = layout.array(name);
        if (!array.type().isIndex()) {
            throw new InvalidLayoutException(layout.format() + ": " + name + " must be an unsigned index array, got "
                    + array.type());
        }
        layout.requireLength(name, array, length);
        return new IndexArray(array.data(), array.type().indexWidth());
    }

    /**
     * The kernels' row offsets from stored row lengths: prefix sums, which must stay within the
     * stream's {@code capacity} bits and the u32 offsets the kernels read. Lives as long as the rows.
     */
    private static IndexArray rowStarts(String name, IndexArray rowLength, int rows, long capacity) {
        long total = 0;
        for (int r = 0; r < rows; r++) {
            total += Integer.toUnsignedLong(rowLength.get(r));
        }
        if (total > capacity || total > IndexWidth.U32.maxValue()) {
            throw new InvalidLayoutException(name + ": the rows' lengths add up to " + total + " bits, past the end of the "
                    + capacity + "-bit stream" + (total > IndexWidth.U32.maxValue() ? " and of u32 offsets" : "")
                    + " (the stream is truncated or a length is wrong)");
        }
        IndexArray rowBit = OffHeap.indices(Arena.ofAuto(), rows + 1L, total);
        long start = 0;
        for (int r = 0; r < rows; r++) {
            rowBit.width().set(rowBit.segment(), r, (int) start);
            start += Integer.toUnsignedLong(rowLength.get(r));
        }
        rowBit.width().set(rowBit.segment(), rows, (int) start);
        return rowBit;
    }

    private static long longest(IndexArray lengths) {
        long longest = 0;
        for (long r = 0; r < lengths.length(); r++) {
            longest = Math.max(longest, Integer.toUnsignedLong(lengths.get(r)));
        }
        return longest;
    }

    /**
     * Decodes rows {@code [from, to)}: each row's codewords must be valid and end where the next row
     * starts. Rows of equal length go in pairs, two independent walks at once.
     */
    private void checkRows(String name, int from, int to, IntUnaryOperator symbolsInRow, boolean bitsPerSymbol,
                           int[] runs) {
        long[] ends = new long[2];
        for (int r = from; r < to; r++) {
            int count = symbolsInRow.applyAsInt(r);
            long start = Integer.toUnsignedLong(rowBit.get(r));
            checkLength(name, r, count, start, bitsPerSymbol);
            if (r + 1 < to && symbolsInRow.applyAsInt(r + 1) == count) {
                // A walk is safe on any bits, so the second row's length is checked in row order, after the first's end.
                long next = Integer.toUnsignedLong(rowBit.get(r + 1));
                CanonicalDecoder.check(stream, table, runs, start, next, count, ends);
                checkEnd(name, r, count, ends[0]);
                checkLength(name, ++r, count, next, bitsPerSymbol);
                checkEnd(name, r, count, ends[1]);
            } else {
                checkEnd(name, r, count, CanonicalDecoder.check(stream, table, runs, start, count));
            }
        }
    }

    private void checkLength(String name, int r, int count, long start, boolean bitsPerSymbol) {
        long bits = Integer.toUnsignedLong(rowBit.get(r + 1)) - start;
        if (bitsPerSymbol && count > bits) {
            throw new InvalidLayoutException(name + ": row " + r + " needs at least " + count + " bits for its " + count
                    + " codewords but has " + bits + " (the row's stream is truncated)");
        }
    }

    /** Row r's walk ended at {@code end} (or found the invalid codeword {@code -end}): it must end where the next row starts. */
    private void checkEnd(String name, int r, int count, long end) {
        if (end < 0) {
            throw new InvalidLayoutException(name + ": row " + r + " holds an invalid codeword (symbol " + -end + " of "
                    + count + ")");
        }
        long expectedEnd = Integer.toUnsignedLong(rowBit.get(r + 1));
        if (end != expectedEnd) {
            throw new InvalidLayoutException(name + ": row " + r + "'s " + count + " codewords end at bit " + end
                    + " but the next row starts at bit " + expectedEnd
                    + (end > expectedEnd ? " (the row's stream is truncated)" : ""));
        }
    }

    /**
     * Decodes row {@code r}'s first {@code count} symbols (canonical positions) into {@code out}. Rows
     * not yet checked are checked here: a whole row as it is decoded (its codewords valid, ending
     * where the next row starts; else {@link InvalidLayoutException}), part of a row by checking
     * all of them first.
     */
    public void decodeRow(int r, int count, int[] out) {
        boolean checked = rowsChecked;
        if (!checked && count != symbolsInRow.applyAsInt(r)) {
            checkAllRows();
            checked = true;
        }
        int[] lookup = groups;
        if (lookup == null) {
            // Racing threads may each build it; every build is the same.
            lookup = CanonicalDecoder.groups(table);
            groups = lookup;
        }
        long end = CanonicalDecoder.decodeGrouped(stream, table, lookup, Integer.toUnsignedLong(rowBit.get(r)), count, out, 0);
        if (!checked) {
            for (int i = 0; i < count; i++) {
                if (out[i] < 0) {
                    end = -(i + 1L);
                    break;
                }
            }
            checkEnd(name, r, count, end);
        }
    }

    /** Codebook value at canonical position {@code p}, as raw float bits. */
    public int symbolBits(int p) {
        return symbols.getAtIndex(Layouts.I32, p);
    }

    public MemorySegment stream() {
        return stream;
    }

    public IndexArray rowBit() {
        return rowBit;
    }

    public MemorySegment symbols() {
        return symbols;
    }

    /** The derived decode table the kernels read. */
    public MemorySegment decodeTable() {
        return decodeTable;
    }

    /** Length of the stream in bits (without the padding of its last word). */
    public long streamBits() {
        return Integer.toUnsignedLong(rowBit.get(rowBit.length() - 1));
    }

    public long symbolCount() {
        return symbols.byteSize() / 4;
    }

    /** Adds the arrays under their layout names. */
    public void putArrays(Map<String, LayoutArray> arrays) {
        arrays.put("stream", new LayoutArray(dev.tersor.format.ElementType.U32, stream));
        arrays.put(rowLength != null ? "rowLength" : "rowBit", LayoutArray.of(rowLength != null ? rowLength : rowBit));
        arrays.put("symbols", LayoutArray.f32(symbols));
        arrays.put("lengthCounts", LayoutArray.of(lengthCounts));
    }
}
