package dev.tersor.format.huffman;

import dev.tersor.format.OffHeap;
import dev.tersor.kernels.Layouts;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Appends codewords to a bit stream packed most significant bit first into 32-bit words, the
 * layout every Tersor bit stream read with {@code numberOfLeadingZeros} or a left-aligned window
 * uses (Huffman streams, the XOR format's pruning mask). The last word is zero-padded.
 */
public final class BitWriter {

    private int[] words = new int[16];
    private long bits;

    /** Bits written so far: the position of the next bit. */
    public long position() {
        return bits;
    }

    /** Appends the low {@code length} bits of {@code value} (0 ≤ length ≤ 32), highest first. */
    public void write(int value, int length) {
        assert length >= 0 && length <= 32;
        if (length == 0) {
            return;
        }
        long v = length == 32 ? Integer.toUnsignedLong(value) : value & ((1L << length) - 1);
        int used = (int) (bits & 31);
        int index = (int) (bits >>> 5);
        ensure(index + 2);
        // Place the value so that its top bit lands right after the bits already in words[index].
        long shifted = v << (64 - used - length);
        words[index] |= (int) (shifted >>> 32);
        words[index + 1] |= (int) shifted;
        bits += length;
        if (bits > 32L * Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("bit stream exceeds the u32 word limit");
        }
    }

    /** Appends {@code count} zero bits. */
    public void zeros(long count) {
        long remaining = count;
        while (remaining > 0) {
            int chunk = (int) Math.min(32, remaining);
            write(0, chunk);
            remaining -= chunk;
        }
    }

    /** Number of 32-bit words the stream fills. */
    public long wordCount() {
        return (bits + 31) >>> 5;
    }

    /** The words as a new off-heap array in {@code arena}. */
    public MemorySegment toSegment(Arena arena) {
        int count = Math.toIntExact(wordCount());
        MemorySegment segment = OffHeap.bytes(arena, 4L * count);
        MemorySegment.copy(words, 0, segment, Layouts.I32, 0, count);
        return segment;
    }

    private void ensure(int length) {
        if (length > words.length) {
            words = Arrays.copyOf(words, Math.max(length, words.length + (words.length >> 1)));
        }
    }
}
