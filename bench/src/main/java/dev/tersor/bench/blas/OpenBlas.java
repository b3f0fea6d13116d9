package dev.tersor.bench.blas;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * The OpenBLAS baseline, bound by hand through FFM: {@code cblas_sgemv}, {@code cblas_sgemm} and the
 * thread-count calls. It is a point of comparison for the benchmarks, never a Tersor kernel provider.
 *
 * <p>Products follow Tersor's conventions (methods.md, Decisions 1–2): {@code A} is row-major
 * {@code [rows][cols]}, {@code X} is {@code [cols][batch]} and {@code Y} is {@code [rows][batch]}, batch
 * innermost. A batch of one calls {@code sgemv}, larger batches {@code sgemm}. Public methods check
 * shapes and segment sizes before any native code sees them, because OpenBLAS would read past the end
 * of a short segment without complaint.
 */
public final class OpenBlas {

    /** System property naming the library to load, as a path or a name for the dynamic linker. */
    public static final String LIBRARY_PROPERTY = "tersor.openblas";

    /** Where Debian's libopenblas-dev puts the library, by soname first. */
    public static final List<String> DEFAULT_LIBRARIES = List.of("libopenblas.so.0", "libopenblas.so",
            "/usr/lib/x86_64-linux-gnu/libopenblas.so.0", "/usr/lib/aarch64-linux-gnu/libopenblas.so.0");

    private static final int ROW_MAJOR = 101;
    private static final int NO_TRANS = 111;

    private final String library;
    private final MethodHandle sgemv;
    private final MethodHandle sgemm;
    private final MethodHandle setNumThreads;
    private final MethodHandle getNumThreads;
    private final MethodHandle getConfig;
    private final MethodHandle getCorename;

    private OpenBlas(String library, SymbolLookup lookup) {
        this.library = library;
        Linker linker = Linker.nativeLinker();
        ValueLayout i = ValueLayout.JAVA_INT;
        ValueLayout f = ValueLayout.JAVA_FLOAT;
        ValueLayout p = ValueLayout.ADDRESS;
        sgemv = downcall(linker, lookup, "cblas_sgemv", FunctionDescriptor.ofVoid(i, i, i, i, f, p, i, p, i, f, p, i));
        sgemm = downcall(linker, lookup, "cblas_sgemm", FunctionDescriptor.ofVoid(i, i, i, i, i, i, f, p, i, p, i, f, p, i));
        setNumThreads = downcall(linker, lookup, "openblas_set_num_threads", FunctionDescriptor.ofVoid(i));
        getNumThreads = downcall(linker, lookup, "openblas_get_num_threads", FunctionDescriptor.of(i));
        getConfig = downcall(linker, lookup, "openblas_get_config", FunctionDescriptor.of(p));
        getCorename = downcall(linker, lookup, "openblas_get_corename", FunctionDescriptor.of(p));
    }

    /**
     * Loads the library named by {@value #LIBRARY_PROPERTY}, or else the first of
     * {@link #DEFAULT_LIBRARIES} that loads.
     *
     * @throws OpenBlasUnavailableException saying how to install OpenBLAS
     */
    public static OpenBlas load() {
        String forced = System.getProperty(LIBRARY_PROPERTY);
        return load(forced == null || forced.isBlank() ? DEFAULT_LIBRARIES : List.of(forced.trim()));
    }

    /** Loads the first of {@code candidates} (paths or linker names) that opens and has every symbol. */
    @SuppressWarnings("restricted")
    public static OpenBlas load(List<String> candidates) {
        List<String> failures = new ArrayList<>();
        for (String candidate : candidates) {
            try {
                return new OpenBlas(candidate, SymbolLookup.libraryLookup(candidate, Arena.global()));
            } catch (IllegalArgumentException | NoSuchElementException e) {
                failures.add(candidate + ": " + e.getMessage());
            }
        }
        throw new OpenBlasUnavailableException("OpenBLAS could not be loaded (" + String.join("; ", failures) + ")", null);
    }

    @SuppressWarnings("restricted")
    private static MethodHandle downcall(Linker linker, SymbolLookup lookup, String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = lookup.find(name).orElseThrow(
                () -> new NoSuchElementException("symbol " + name + " not found"));
        return linker.downcallHandle(symbol, descriptor);
    }

    /** The path or linker name the library was loaded from. */
    public String library() {
        return library;
    }

    /** {@code Y = A·X}: {@code sgemv} for a batch of one, {@code sgemm} otherwise. */
    public void multiply(int rows, int cols, int batch, MemorySegment a, MemorySegment x, MemorySegment y) {
        if (batch == 1) {
            sgemv(rows, cols, a, x, y);
        } else {
            sgemm(rows, cols, batch, a, x, y);
        }
    }

    /** {@code y = A·x} with {@code cblas_sgemv}, row-major, no transpose. */
    public void sgemv(int rows, int cols, MemorySegment a, MemorySegment x, MemorySegment y) {
        check(rows, cols, 1, a, x, y);
        if (rows == 0 || cols == 0) {
            y.asSlice(0, 4L * rows).fill((byte) 0);
            return;
        }
        try {
            sgemv.invokeExact(ROW_MAJOR, NO_TRANS, rows, cols, 1f, a, cols, x, 1, 0f, y, 1);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code Y = A·X} with {@code cblas_sgemm}, row-major: {@code X} is {@code [cols][batch]}, {@code Y} {@code [rows][batch]}. */
    public void sgemm(int rows, int cols, int batch, MemorySegment a, MemorySegment x, MemorySegment y) {
        check(rows, cols, batch, a, x, y);
        if (rows == 0 || cols == 0) {
            y.asSlice(0, 4L * rows * batch).fill((byte) 0);
            return;
        }
        try {
            sgemm.invokeExact(ROW_MAJOR, NO_TRANS, NO_TRANS, rows, batch, cols, 1f, a, cols, x, batch, 0f, y, batch);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Sets the number of threads OpenBLAS uses from now on, in this process. */
    public void setThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        try {
            setNumThreads.invokeExact(threads);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int threads() {
        try {
            return (int) getNumThreads.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The build configuration, e.g. {@code "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64"}. */
    public String config() {
        return string(getConfig);
    }

    /** The kernel family OpenBLAS picked for this CPU, e.g. {@code "Zen"} or {@code "SkylakeX"}. */
    public String coreName() {
        return string(getCorename);
    }

    @SuppressWarnings("restricted")
    private static String string(MethodHandle function) {
        try {
            MemorySegment s = (MemorySegment) function.invokeExact();
            return s.equals(MemorySegment.NULL) ? "" : s.reinterpret(4096).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static void check(int rows, int cols, int batch, MemorySegment a, MemorySegment x, MemorySegment y) {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(y, "y");
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("negative shape " + rows + "x" + cols);
        }
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be at least 1, got " + batch);
        }
        requireNative("a", a, 4L * rows * cols);
        requireNative("x", x, 4L * cols * batch);
        requireNative("y", y, 4L * rows * batch);
    }

    private static void requireNative(String name, MemorySegment segment, long bytes) {
        if (!segment.isNative()) {
            throw new IllegalArgumentException(name + " must be an off-heap segment");
        }
        if (segment.isReadOnly() && "y".equals(name)) {
            throw new IllegalArgumentException("y is read-only");
        }
        if (segment.byteSize() < bytes) {
            throw new IndexOutOfBoundsException(name + " holds " + segment.byteSize() + " bytes, needs " + bytes);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException e) {
            return e;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    @Override
    public String toString() {
        return "OpenBLAS (" + library + ")";
    }
}
