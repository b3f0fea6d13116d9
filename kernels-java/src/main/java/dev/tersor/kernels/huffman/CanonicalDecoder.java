package dev.tersor.kernels.huffman;

import dev.tersor.kernels.Layouts;

import java.lang.foreign.MemorySegment;

/**
 * Table-driven decoding of canonical Huffman streams: 32-bit words, most significant bit first
 * (methods brief, Decision 5). A 64-bit buffer holds the next bits left-aligned and is refilled a
 * whole word at a time, so every symbol costs one first-level lookup and, for codewords longer
 * than the lookup width, a short scan of {@code limit}; never a walk bit by bit.
 *
 * <p>Decoding is safe on any input: words past the end of the stream read as zero, and an invalid
 * codeword decodes to a negative symbol instead of failing. Validators use exactly this to reject
 * corrupted streams; kernels only ever see streams that passed.
 *
 * <p>The shortest codeword is all zeros (canonical order) and belongs to symbol 0, so a run of z
 * leading zero bits is ⌊z / shortest⌋ copies of symbol 0: every walk takes a whole run of the most
 * frequent symbol, which HAM's zeros make long, in one step.
 */
public final class CanonicalDecoder {

    private static final long WORD = 0xFFFF_FFFFL;

    private CanonicalDecoder() {
    }

    /**
     * Where a decode table's parts start, its shifts and its shortest code length: what every walk reads
     * from the table before its first codeword (for a table of a longest length above zero).
     */
    private record Code(int maxLength, int lookupShift, int windowShift, int limitBase, int offsetBase, int lookupBase,
                        int shortest) {
        static Code of(int[] table) {
            int maxLength = table[0];
            int limitBase = DecodeTable.limitBase();
            int shortest = 1;
            while (table[limitBase + shortest] == 0) {
                shortest++;
            }
            return new Code(maxLength, 64 - table[1], 64 - maxLength, limitBase, DecodeTable.offsetBase(maxLength),
                    DecodeTable.lookupBase(maxLength), shortest);
        }

        /**
         * The codeword at the front of {@code buf}: {@code symbol << 5 | length}, the symbol negative for
         * an invalid codeword. The first-level lookup holds it for codewords up to the lookup width;
         * longer ones scan {@code limit} up from the shortest length their prefix allows.
         */
        long next(int[] table, long buf) {
            int e = table[lookupBase + (int) (buf >>> lookupShift)];
            if (e >= 0) {
                return e;
            }
            int window = (int) (buf >>> windowShift);
            int len = -e;
            while (window >= table[limitBase + len]) {
                len++;
            }
            return (long) (table[offsetBase + len] + (window >>> (maxLength - len))) << 5 | len;
        }
    }

    /**
     * Decodes {@code count} symbols starting at bit {@code bitPos} into {@code out[offset ..]} and
     * returns the bit position after the last one.
     *
     * @param stream u32 words, MSB-first
     * @param table  a {@link DecodeTable}, copied to the heap
     */
    public static long decode(MemorySegment stream, int[] table, long bitPos, int count, int[] out, int offset) {
        return walk(stream, table, bitPos, count, out, offset);
    }

    /**
     * What {@link #decode} would do with {@code count} symbols from bit {@code bitPos}, without writing
     * them: the bit position after the last one, or {@code -(i + 1)} when symbol i is an invalid
     * codeword. The validators' pass over a whole stream (an embedding table's millions of codewords
     * at every load), so it skips the stores and the second pass over the decoded symbols.
     */
    public static long check(MemorySegment stream, int[] table, long bitPos, int count) {
        return walk(stream, table, bitPos, count, null, 0);
    }

    /**
     * The one walk of a run of codewords behind {@link #decode} (symbols stored into {@code out}, an
     * invalid one as the negative symbol it decodes to) and {@link #check} ({@code out} null: nothing
     * stored, and the walk stops at the first invalid codeword, returning {@code -(i + 1)}).
     */
    private static long walk(MemorySegment stream, int[] table, long bitPos, int count, int[] out, int offset) {
        if (table[0] == 0) {
            if (out != null) {
                java.util.Arrays.fill(out, offset, offset + count, 0);
            }
            return bitPos;
        }
        Code code = Code.of(table);
        int shortest = code.shortest();
        long words = stream.byteSize() >>> 2;
        long w = bitPos >>> 5;
        int skip = (int) (bitPos & 31);
        long buf = (word(stream, w, words) << 32 | word(stream, w + 1, words)) << skip;
        int n = 64 - skip;
        w += 2;
        for (int i = 0; i < count; i++) {
            if (n < 32) {
                buf |= word(stream, w++, words) << (32 - n);
                n += 32;
            }
            int zeros = Math.min(Long.numberOfLeadingZeros(buf), Math.min(n, 63));
            int len;
            if (zeros >= shortest) {
                int run = Math.min(zeros / shortest, count - i);
                if (out != null) {
                    for (int k = offset + i, end = k + run; k < end; k++) {
                        out[k] = 0;
                    }
                }
                i += run - 1;
                len = run * shortest;
            } else {
                long next = code.next(table, buf);
                if (out != null) {
                    out[offset + i] = (int) (next >> 5);
                } else if (next < 0) {
                    return -(i + 1L);
                }
                len = (int) next & 31;
            }
            buf <<= len;
            n -= len;
        }
        return (w << 5) - n;
    }

    /**
     * {@link #check} of two runs of {@code count} codewords, from bits {@code startA} and {@code startB},
     * into {@code ends[0]} and {@code ends[1]}. One codeword's length must be known before the next one
     * can be looked up, so a single run goes at the latency of a table lookup and a shift per codeword;
     * two interleaved keep twice as many in flight (the validators pair the rows of a matrix).
     */
    public static void check(MemorySegment stream, int[] table, long startA, long startB, int count, long[] ends) {
        if (table[0] == 0 || count == 0) {
            ends[0] = startA;
            ends[1] = startB;
            return;
        }
        Code code = Code.of(table);
        int shortest = code.shortest();
        long words = stream.byteSize() >>> 2;
        long wA = startA >>> 5;
        int skipA = (int) (startA & 31);
        long bufA = (word(stream, wA, words) << 32 | word(stream, wA + 1, words)) << skipA;
        int nA = 64 - skipA;
        wA += 2;
        long wB = startB >>> 5;
        int skipB = (int) (startB & 31);
        long bufB = (word(stream, wB, words) << 32 | word(stream, wB + 1, words)) << skipB;
        int nB = 64 - skipB;
        wB += 2;
        int iA = 0;
        int iB = 0;
        while (iA < count && iB < count) {
            if (nA < 32) {
                bufA |= word(stream, wA++, words) << (32 - nA);
                nA += 32;
            }
            if (nB < 32) {
                bufB |= word(stream, wB++, words) << (32 - nB);
                nB += 32;
            }
            int zerosA = Math.min(Long.numberOfLeadingZeros(bufA), Math.min(nA, 63));
            int lenA;
            if (zerosA >= shortest) {
                int run = Math.min(zerosA / shortest, count - iA);
                iA += run;
                lenA = run * shortest;
            } else {
                long next = code.next(table, bufA);
                if (next < 0) {
                    break;
                }
                lenA = (int) next & 31;
                iA++;
            }
            bufA <<= lenA;
            nA -= lenA;
            int zerosB = Math.min(Long.numberOfLeadingZeros(bufB), Math.min(nB, 63));
            int lenB;
            if (zerosB >= shortest) {
                int run = Math.min(zerosB / shortest, count - iB);
                iB += run;
                lenB = run * shortest;
            } else {
                long next = code.next(table, bufB);
                if (next < 0) {
                    break;
                }
                lenB = (int) next & 31;
                iB++;
            }
            bufB <<= lenB;
            nB -= lenB;
        }
        // Each run goes on alone from where it is: the longer one, or, after an invalid codeword (which
        // leaves its run in front of it), both, so that the single walk finds and counts it.
        ends[0] = rest(stream, table, (wA << 5) - nA, iA, count);
        ends[1] = rest(stream, table, (wB << 5) - nB, iB, count);
    }

    /** The end of a run whose first {@code done} of {@code count} codewords ended at bit {@code position}. */
    private static long rest(MemorySegment stream, int[] table, long position, int done, int count) {
        long end = check(stream, table, position, count - done);
        return end < 0 ? end - done : end;
    }

    private static long word(MemorySegment stream, long index, long words) {
        return index < words ? stream.getAtIndex(Layouts.I32, index) & WORD : 0L;
    }
}
