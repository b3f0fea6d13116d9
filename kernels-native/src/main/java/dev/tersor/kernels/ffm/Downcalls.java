package dev.tersor.kernels.ffm;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * What the generated {@link TersorKernels} links and calls with: the library's symbols, plain and
 * critical downcall handles, and the unchecked rethrow of {@code invokeExact}'s {@code Throwable}.
 * Hand-written, so that the generated file holds only what the header decides.
 */
final class Downcalls {

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup SYMBOLS = NativeLibrary.lookup();

    /** Longest string the library returns (an ISA name or the list of them). */
    private static final long MAX_STRING = 4096;

    private Downcalls() {
    }

    static MemorySegment find(String name) {
        return SYMBOLS.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libtersor_kernels lacks " + name));
    }

    /** A plain downcall: native segments only, and garbage collection may run during the call. */
    @SuppressWarnings("restricted")
    static MethodHandle downcall(MemorySegment address, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(address, descriptor);
    }

    /**
     * A critical downcall ({@link Linker.Option#critical(boolean) critical(true)}): the only way to
     * pass heap segments without copying them. It holds off garbage collection while it runs, so it
     * serves only calls where an argument actually lives on the heap.
     */
    @SuppressWarnings("restricted")
    static MethodHandle critical(MemorySegment address, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(address, descriptor, Linker.Option.critical(true));
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException e) {
            throw e;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new AssertionError("a downcall threw a checked exception", t);
    }

    /** A NUL-terminated string the library returns, as a Java string. */
    @SuppressWarnings("restricted")
    static String string(MemorySegment address) {
        return address.reinterpret(MAX_STRING).getString(0);
    }
}
