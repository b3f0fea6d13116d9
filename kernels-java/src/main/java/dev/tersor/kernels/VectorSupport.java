package dev.tersor.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Species and index loads shared by the Vector API kernels. Only loaded once
 * {@code jdk.incubator.vector} is known to be present.
 */
public final class VectorSupport {

    /**
     * System property capping the vector width in bits (e.g. 256 or 128), so that narrower
     * machines' code paths can be exercised on a wide one.
     */
    public static final String MAX_BITS_PROPERTY = "tersor.vector.maxBits";

    /** The float species every Vector API kernel uses: the widest the CPU runs well, within the cap. */
    public static final VectorSpecies<Float> F = species();
    /** Lanes per float vector. */
    public static final int L = F.length();

    public static final VectorSpecies<Integer> I = F.withLanes(int.class).withShape(F.vectorShape());
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(16 * L));
    /** Bytes widen through vectors only when L bytes fill a legal shape (64 bits or more). */
    private static final VectorSpecies<Byte> B = 8 * L >= 64 ? VectorSpecies.of(byte.class, VectorShape.forBitSize(8 * L)) : null;

    public static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private VectorSupport() {
    }

    private static VectorSpecies<Float> species() {
        VectorSpecies<Float> preferred = FloatVector.SPECIES_PREFERRED;
        int cap = Integer.getInteger(MAX_BITS_PROPERTY, Integer.MAX_VALUE);
        if (cap >= preferred.vectorBitSize()) {
            return preferred;
        }
        return VectorSpecies.of(float.class, VectorShape.forBitSize(Math.max(64, Integer.highestOneBit(cap))));
    }

    /**
     * Widens elements {@code from .. from + n} of {@code indices} to {@code dst[0 .. n)}, {@link #L}
     * at a time. {@code dst} must hold {@code n + L} ints: the elements after {@code n} are
     * overwritten with undefined values. The width is switched on once, so each loop reads one kind
     * of element: a switch per chunk costs a third of the time of the kernels that call this per row.
     */
    public static void widen(IndexArray indices, long from, int n, int[] dst) {
        MemorySegment segment = indices.segment();
        // Whole chunks may run past n (dst has room) but not past the array.
        int chunked = Math.clamp(indices.length() - L + 1 - from, 0, n);
        int i = 0;
        switch (indices.width()) {
            case U8 -> {
                for (; B != null && i < chunked; i += L) {
                    ((IntVector) ByteVector.fromMemorySegment(B, segment, from + i, LE).convertShape(VectorOperators.B2I, I, 0))
                            .lanewise(VectorOperators.AND, 0xFF).intoArray(dst, i);
                }
            }
            case U16 -> {
                for (; i < chunked; i += L) {
                    ((IntVector) ShortVector.fromMemorySegment(S, segment, (from + i) << 1, LE)
                            .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.AND, 0xFFFF).intoArray(dst, i);
                }
            }
            case U32 -> {
                for (; i < chunked; i += L) {
                    IntVector.fromMemorySegment(I, segment, (from + i) << 2, LE).intoArray(dst, i);
                }
            }
        }
        for (; i < n; i++) {
            dst[i] = indices.get(from + i);
        }
    }

    /**
     * Widens {@link #L} indices starting at element {@code p} of {@code indices} to ints and stores
     * them at {@code dst[0 .. L)}, ready to drive a gather. For kernels that gather chunk by chunk;
     * {@link #widen} keeps loops of its own, since sharing this method made C2 stop inlining it here.
     */
    public static void loadIndices(IndexArray indices, long p, int[] dst) {
        MemorySegment segment = indices.segment();
        switch (indices.width()) {
            case U8 -> {
                if (B == null) {
                    for (int i = 0; i < L; i++) {
                        dst[i] = indices.get(p + i);
                    }
                } else {
                    ((IntVector) ByteVector.fromMemorySegment(B, segment, p, LE).convertShape(VectorOperators.B2I, I, 0))
                            .lanewise(VectorOperators.AND, 0xFF).intoArray(dst, 0);
                }
            }
            case U16 -> ((IntVector) ShortVector.fromMemorySegment(S, segment, p << 1, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.AND, 0xFFFF).intoArray(dst, 0);
            case U32 -> IntVector.fromMemorySegment(I, segment, p << 2, LE).intoArray(dst, 0);
        }
    }

    /** Rotations of a vector of {@link #F} down by L/2, L/4, …, 1 lanes. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static final VectorShuffle<Float>[] HALVINGS = new VectorShuffle[Integer.numberOfTrailingZeros(L)];
    /** How many halvings: log2(L). */
    public static final int STEPS = HALVINGS.length;

    static {
        for (int i = 0; i < STEPS; i++) {
            HALVINGS[i] = VectorShuffle.iota(F, L >> (i + 1), 1, true);
        }
    }

    /** Halving {@code step} of {@link #sumLanes}, for a hot loop that must add its lanes in place (a call would box the vector). */
    public static VectorShuffle<Float> halving(int step) {
        return HALVINGS[step];
    }

    /**
     * The lanes of {@code v}, a vector of {@link #F}, added as a fixed tree: lane i with lane i + L/2,
     * then with i + L/4, and so on. {@code reduceLanes(ADD)} may add in one order when interpreted and
     * another when compiled, and a product must give the same bits on every call: a model whose output
     * changed once the JIT warmed up could not be compared or cached. Each step here is an exactly
     * rounded lane operation, so every path gives the same bits; and nothing is allocated, unlike
     * storing the lanes to add them in order (C2 kept that array: about 1,000 of them per MiniLM pass).
     */
    public static float sumLanes(FloatVector v) {
        // 35 bytecodes, the most C2 inlines at a cold call site: not inlined, a method taking a vector
        // gets it boxed. A counted loop of constant trip count, which C2 can unroll completely.
        for (int i = 0; i < STEPS; i++) {
            v = v.add(v.rearrange(HALVINGS[i]));
        }
        return v.lane(0);
    }

    /**
     * {@code Σ_j x[j]}, {@code L} lanes then {@link #sumLanes} and a scalar tail: the implicit value's
     * {@code ω0·Σx} term, summed the same way by every Vector API kernel that has one.
     */
    public static float sum(float[] x, int n) {
        FloatVector acc = FloatVector.zero(F);
        int j = 0;
        for (; j <= n - L; j += L) {
            acc = acc.add(FloatVector.fromArray(F, x, j));
        }
        float s = sumLanes(acc);
        for (; j < n; j++) {
            s += x[j];
        }
        return s;
    }

    /** Vector API needs at least four float lanes to be worth it. */
    static void requireUsefulWidth() {
        if (L < 4) {
            throw new KernelUnavailableException("the preferred float vector has only " + L
                    + " lanes; scalar code is as fast");
        }
    }
}
