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
    /** Width of the {@link #runs} lookup: 4,096 entries, 16 KiB. */
    static final int RUN_BITS = 12;

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

        /**
         * One step of a check over {@code buf} (at least {@link #RUN_BITS} bits of it real): the whole
         * codewords at its front it may take, at most {@code remaining}, as {@code k << 8 | bits}; or −1
         * for an invalid codeword. A run of zero bits is that many copies of symbol 0; otherwise the
         * {@link #runs} lookup takes several short codewords at once, and a long codeword, or a lookup
         * holding more codewords than remain, goes alone.
         */
        long codewords(int[] table, int[] runs, long buf, int n, int remaining) {
            int zeros = Math.min(Long.numberOfLeadingZeros(buf), Math.min(n, 63));
            if (zeros >= shortest) {
                int run = Math.min(zeros / shortest, remaining);
                return (long) run << 8 | run * shortest;
            }
            int e = runs[(int) (buf >>> (64 - RUN_BITS))];
            if (e != 0 && e >>> 8 <= remaining) {
                return e;
            }
            long next = next(table, buf);
            return next < 0 ? -1 : 1L << 8 | (next & 31);
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
        if (table[0] == 0) {
            java.util.Arrays.fill(out, offset, offset + count, 0);
            return bitPos;
        }
        Code code = Code.of(table);
        int shortest = code.shortest();
        long words = stream.byteSize() >>> 2;
        long buf = bitsFrom(stream, bitPos, words);
        int n = 64 - (int) (bitPos & 31);
        long w = (bitPos >>> 5) + 2;
        for (int i = 0; i < count; i++) {
            if (n < 32) {
                buf |= word(stream, w++, words) << (32 - n);
                n += 32;
            }
            int zeros = Math.min(Long.numberOfLeadingZeros(buf), Math.min(n, 63));
            int len;
            if (zeros >= shortest) {
                int run = Math.min(zeros / shortest, count - i);
                for (int k = offset + i, end = k + run; k < end; k++) {
                    out[k] = 0;
                }
                i += run - 1;
                len = run * shortest;
            } else {
                long next = code.next(table, buf);
                out[offset + i] = (int) (next >> 5);
                len = (int) next & 31;
            }
            buf <<= len;
            n -= len;
        }
        return (w << 5) - n;
    }

    /** Codewords a {@link #groups} entry holds at most, and the symbols it can name: 6 bits each. */
    static final int GROUP = 4;
    private static final int GROUP_SYMBOLS = 64;

    /**
     * {@link #decode} through a {@link #groups} lookup of the same table, with the same results on any
     * bits: each step writes every whole codeword at the front of a {@link #RUN_BITS}-bit window that
     * the lookup lists (up to {@value #GROUP}), so a code whose common codewords are a few bits long
     * (an embedding table's, about 3 bits a weight) decodes several per table access instead of one.
     * A window the lookup cannot take (a long codeword, a symbol past 63, an invalid codeword) and
     * the last few codewords of the run go one at a time as in decode; a run of zero bits longer
     * than the window goes in one step, as there. (A loop of its own: a lookup-free decode through
     * this one cost the kernels that call decode 5 %, and a flag to skip the lookup cost this one 18 %.)
     */
    public static long decodeGrouped(MemorySegment stream, int[] table, int[] groups, long bitPos, int count, int[] out,
                                     int offset) {
        if (table[0] == 0) {
            java.util.Arrays.fill(out, offset, offset + count, 0);
            return bitPos;
        }
        Code code = Code.of(table);
        int shortest = code.shortest();
        long words = stream.byteSize() >>> 2;
        long buf = bitsFrom(stream, bitPos, words);
        int n = 64 - (int) (bitPos & 31);
        long w = (bitPos >>> 5) + 2;
        int i = 0;
        while (i < count) {
            if (n < 32) {
                buf |= word(stream, w++, words) << (32 - n);
                n += 32;
            }
            int zeros = Math.min(Long.numberOfLeadingZeros(buf), Math.min(n, 63));
            int group = groups[(int) (buf >>> (64 - RUN_BITS))];
            int len;
            if (zeros >= RUN_BITS && zeros >= shortest) {
                int run = Math.min(zeros / shortest, count - i);
                java.util.Arrays.fill(out, offset + i, offset + i + run, 0);
                i += run;
                len = run * shortest;
            } else if (group != 0 && count - i >= GROUP) {
                // All four slots are written; those past the group's own codewords are overwritten by the next steps.
                int o = offset + i;
                out[o] = group >>> 7 & 63;
                out[o + 1] = group >>> 13 & 63;
                out[o + 2] = group >>> 19 & 63;
                out[o + 3] = group >>> 25 & 63;
                i += group >>> 4 & 7;
                len = group & 15;
            } else {
                long next = code.next(table, buf);
                out[offset + i++] = (int) (next >> 5);
                len = (int) next & 31;
            }
            buf <<= len;
            n -= len;
        }
        return (w << 5) - n;
    }

    /**
     * The grouped decoder's lookup for a decode table: for each {@link #RUN_BITS}-bit prefix, the whole
     * codewords it starts with, as many as fit up to {@value #GROUP}, each of a symbol below 64, as
     * {@code bits | k << 4 | s0 << 7 | s1 << 13 | s2 << 19 | s3 << 25}; 0 where the prefix starts with
     * none such.
     */
    public static int[] groups(int[] table) {
        return perPrefix(table, GROUP, GROUP_SYMBOLS, true);
    }

    /**
     * What {@link #decode} would do with {@code count} symbols from bit {@code bitPos}, without writing
     * them: the bit position after the last one, or {@code -(i + 1)} when symbol i is an invalid
     * codeword. The validators' pass over a whole stream (an embedding table's millions of codewords
     * at every load), so it never finds the symbols: each step takes every whole codeword of a
     * {@link #RUN_BITS}-bit window that {@code runs}, the table's {@link #runs}, lists.
     */
    public static long check(MemorySegment stream, int[] table, int[] runs, long bitPos, int count) {
        if (table[0] == 0 || count == 0) {
            return bitPos;
        }
        Code code = Code.of(table);
        long words = stream.byteSize() >>> 2;
        long buf = bitsFrom(stream, bitPos, words);
        int n = 64 - (int) (bitPos & 31);
        long w = (bitPos >>> 5) + 2;
        int i = 0;
        while (i < count) {
            if (n < 32) {
                buf |= word(stream, w++, words) << (32 - n);
                n += 32;
            }
            long step = code.codewords(table, runs, buf, n, count - i);
            if (step < 0) {
                return -(i + 1L);
            }
            i += (int) (step >>> 8);
            int len = (int) step & 0xFF;
            buf <<= len;
            n -= len;
        }
        return (w << 5) - n;
    }

    /**
     * The check's lookup of whole codewords at the front of a window of {@link #RUN_BITS} bits, for a
     * decode table: {@code runs[p] = k << 8 | bits} when prefix {@code p} starts with k ≥ 1 whole
     * codewords of {@code bits} bits in all (as many as fit), else 0. A check steps over several short
     * codewords per lookup instead of one; it never needs their symbols.
     */
    public static int[] runs(int[] table) {
        return perPrefix(table, Integer.MAX_VALUE, Integer.MAX_VALUE, false);
    }

    /**
     * For every {@link #RUN_BITS}-bit prefix, the whole codewords at its front, at most {@code most},
     * each of a symbol below {@code symbolLimit}: with their symbols {@link #groups}' entry (0 for none),
     * without them {@link #runs}'.
     */
    private static int[] perPrefix(int[] table, int most, int symbolLimit, boolean withSymbols) {
        int[] entries = new int[1 << RUN_BITS];
        if (table[0] == 0) {
            return entries;
        }
        Code code = Code.of(table);
        for (int prefix = 0; prefix < entries.length; prefix++) {
            long buf = (long) prefix << (64 - RUN_BITS);
            int bits = 0;
            int k = 0;
            int symbols = 0;
            while (k < most) {
                long next = code.next(table, buf);
                int len = (int) next & 31;
                if (next < 0 || next >> 5 >= symbolLimit || bits + len > RUN_BITS) {
                    break;
                }
                if (withSymbols) {
                    symbols |= (int) (next >> 5) << (7 + 6 * k);
                }
                bits += len;
                k++;
                buf <<= len;
            }
            entries[prefix] = !withSymbols ? k << 8 | bits : k == 0 ? 0 : symbols | k << 4 | bits;
        }
        return entries;
    }

    /**
     * {@link #check} of two runs of {@code count} codewords, from bits {@code startA} and {@code startB},
     * into {@code ends[0]} and {@code ends[1]}. One codeword's length must be known before the next one
     * can be looked up, so a single run goes at the latency of a table lookup and a shift per codeword;
     * two interleaved keep twice as many in flight (the validators pair the rows of a matrix).
     */
    public static void check(MemorySegment stream, int[] table, int[] runs, long startA, long startB, int count,
                             long[] ends) {
        if (table[0] == 0 || count == 0) {
            ends[0] = startA;
            ends[1] = startB;
            return;
        }
        Code code = Code.of(table);
        long words = stream.byteSize() >>> 2;
        long bufA = bitsFrom(stream, startA, words);
        int nA = 64 - (int) (startA & 31);
        long wA = (startA >>> 5) + 2;
        long bufB = bitsFrom(stream, startB, words);
        int nB = 64 - (int) (startB & 31);
        long wB = (startB >>> 5) + 2;
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
            long stepA = code.codewords(table, runs, bufA, nA, count - iA);
            long stepB = code.codewords(table, runs, bufB, nB, count - iB);
            if (stepA < 0 || stepB < 0) {
                break;
            }
            iA += (int) (stepA >>> 8);
            bufA <<= (int) stepA & 0xFF;
            nA -= (int) stepA & 0xFF;
            iB += (int) (stepB >>> 8);
            bufB <<= (int) stepB & 0xFF;
            nB -= (int) stepB & 0xFF;
        }
        // Each run goes on alone from where it is: the longer one, or, after an invalid codeword (which
        // leaves its run in front of it), both, so that the single walk finds and counts it.
        ends[0] = rest(stream, table, runs, (wA << 5) - nA, iA, count);
        ends[1] = rest(stream, table, runs, (wB << 5) - nB, iB, count);
    }

    /** The end of a run whose first {@code done} of {@code count} codewords ended at bit {@code position}. */
    private static long rest(MemorySegment stream, int[] table, int[] runs, long position, int done, int count) {
        long end = check(stream, table, runs, position, count - done);
        return end < 0 ? end - done : end;
    }

    /** The 64-bit buffer of a walk from bit {@code bitPos}: the bits of its word and the next, left-aligned from it on. */
    private static long bitsFrom(MemorySegment stream, long bitPos, long words) {
        long w = bitPos >>> 5;
        return (word(stream, w, words) << 32 | word(stream, w + 1, words)) << (bitPos & 31);
    }

    private static long word(MemorySegment stream, long index, long words) {
        return index < words ? stream.getAtIndex(Layouts.I32, index) & WORD : 0L;
    }
}
