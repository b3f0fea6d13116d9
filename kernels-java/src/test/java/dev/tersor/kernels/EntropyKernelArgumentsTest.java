package dev.tersor.kernels;

import dev.tersor.kernels.arrays.BitpackArrays;
import dev.tersor.kernels.arrays.HamArrays;
import dev.tersor.kernels.arrays.ShamArrays;
import dev.tersor.kernels.arrays.XorArrays;
import dev.tersor.kernels.huffman.DecodeTable;
import dev.tersor.kernels.xor.XorNetwork;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static dev.tersor.kernels.WorkedExampleKernelTest.u8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The methods brief's §2.3 HAM example written out by hand, through every provider, and the
 * constant-time checks of the entropy kernels' public entry points: what a native kernel relies on
 * beyond the formats' validators.
 */
class EntropyKernelArgumentsTest {

    /** Wᵀ of §2.3, 6×4: codes 0 → 0, 2 → 10, 1 → 110, 3 → 111. */
    static final MemorySegment STREAM = MemorySegment.ofArray(new int[]{0x4D11E449, 0x88000000});
    static final IndexArray ROW_BIT = u8(0, 7, 13, 20, 25, 31, 38);
    static final MemorySegment SYMBOLS = MemorySegment.ofArray(new float[]{0, 2, 1, 3});
    static final MemorySegment TABLE = MemorySegment.ofArray(DecodeTable.build(new long[]{0, 1, 1, 2}));
    static final MemorySegment X = MemorySegment.ofArray(new float[]{1, 2, 3, 4});

    @Test
    void hamGivesTheExampleProductOnEveryProvider() {
        for (Kernels k : Kernels.available()) {
            float[] y = new float[6];
            k.matMul(new HamArrays(6, 4, STREAM, ROW_BIT, SYMBOLS, TABLE, MemorySegment.NULL), 1, X,
                    MemorySegment.ofArray(y), 0, 6);
            assertThat(y).as("ham on " + k).containsExactly(8, 10, 17, 4, 8, 9);
        }
    }

    @Test
    void publicEntryPointsRejectInconsistentArguments() {
        Kernels k = Kernels.named("scalar");
        MemorySegment y = MemorySegment.ofArray(new float[6]);
        IndexArray pastTheEnd = u8(0, 7, 13, 20, 25, 31, 65);
        assertThatThrownBy(() -> k.matMul(new HamArrays(6, 4, STREAM, pastTheEnd, SYMBOLS, TABLE, MemorySegment.NULL),
                1, X, y, 0, 6))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("stream");
        MemorySegment shortTable = TABLE.asSlice(0, TABLE.byteSize() - 4);
        assertThatThrownBy(() -> k.matMul(new HamArrays(6, 4, STREAM, ROW_BIT, SYMBOLS, shortTable,
                MemorySegment.NULL), 1, X, y, 0, 6))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("decodeTable");
        assertThatThrownBy(() -> k.matMul(new ShamArrays(6, 4, STREAM, ROW_BIT, SYMBOLS, TABLE, 0f, u8(1, 2),
                u8(0, 1, 1, 1, 1, 1, 3), MemorySegment.NULL), 1, X, y, 0, 6))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("colGap");
        assertThatThrownBy(() -> k.matMul(new BitpackArrays(6, 4, MemorySegment.ofArray(new byte[6]),
                MemorySegment.ofArray(new float[6]), u8(0, 8, 8, 8, 8, 8, 9), MemorySegment.ofArray(new int[8])), 1,
                X, y, 0, 6))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("data");
        MemorySegment xorTable = MemorySegment.ofArray(XorNetwork.decodeTable(XorNetwork.columns(1, 8, 16)));
        assertThatThrownBy(() -> k.matMul(new XorArrays(6, 4, 1, 40, 64, xorTable, MemorySegment.ofArray(new long[4]),
                MemorySegment.ofArray(new float[3]), u8(0, 0, 0, 0, 0, 0, 0), u8(), MemorySegment.ofArray(new int[1]),
                u8(0, 0, 0, 0, 0, 0, 0), 3, MemorySegment.NULL), 1, X, y, 0, 6))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("N_in");
        assertThatThrownBy(() -> k.matMul(new XorArrays(6, 4, 1, 8, 16, xorTable, MemorySegment.ofArray(new long[0]),
                MemorySegment.ofArray(new float[3]), u8(0, 0, 0, 0, 0, 0, 0), u8(), MemorySegment.ofArray(new int[1]),
                u8(0, 0, 0, 0, 0, 0, 0), 3, MemorySegment.NULL), 1, X, y, 0, 6))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("words");
    }
}
