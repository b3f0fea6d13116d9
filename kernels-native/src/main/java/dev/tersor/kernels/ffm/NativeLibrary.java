package dev.tersor.kernels.ffm;

import dev.tersor.kernels.KernelUnavailableException;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * Finds and loads {@code libtersor_kernels} once per JVM: from the path in {@value #PATH_PROPERTY} if
 * set, otherwise from the jar's {@code native/<os>-<arch>/} resource, copied to a private temporary
 * file that is deleted as soon as the library is mapped. Every way this can fail becomes a
 * {@link KernelUnavailableException} with a one-line reason.
 */
final class NativeLibrary {

    /** System property naming a library file to load instead of the one in the jar. */
    static final String PATH_PROPERTY = "tersor.native.library";

    static final String NAME = "tersor_kernels";

    private NativeLibrary() {
    }

    /** The loaded library's symbols, or the reason it cannot load. */
    static SymbolLookup lookup() {
        if (Holder.RESULT instanceof SymbolLookup lookup) {
            return lookup;
        }
        throw (KernelUnavailableException) Holder.RESULT;
    }

    private static final class Holder {
        static final Object RESULT = load();
    }

    /** {@code <os>-<arch>} as the build names its resource folder, e.g. {@code linux-x86_64}. */
    static String platform() {
        String os = System.getProperty("os.name", "unknown").toLowerCase(Locale.ROOT);
        if (os.startsWith("mac") || os.startsWith("darwin")) {
            os = "macos";
        } else if (os.startsWith("windows")) {
            os = "windows";
        } else {
            os = os.replaceAll("[^a-z0-9]", "");
        }
        String arch = System.getProperty("os.arch", "unknown").toLowerCase(Locale.ROOT);
        arch = switch (arch) {
            case "amd64", "x86_64", "x64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> arch;
        };
        return os + "-" + arch;
    }

    /** Where the library sits inside the jar for this platform. */
    static String resource() {
        return "/native/" + platform() + "/" + System.mapLibraryName(NAME);
    }

    private static Object load() {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            return new KernelUnavailableException("this CPU is big-endian and the native kernels read little-endian layouts");
        }
        Module module = NativeLibrary.class.getModule();
        if (!module.isNativeAccessEnabled()) {
            return new KernelUnavailableException("native access is not enabled for "
                    + (module.isNamed() ? "module " + module.getName() : "the class path")
                    + " (run java with --enable-native-access=" + (module.isNamed() ? module.getName() : "ALL-UNNAMED") + ")");
        }
        String configured = System.getProperty(PATH_PROPERTY);
        try {
            if (configured != null && !configured.isBlank()) {
                Path file = Path.of(configured);
                if (!Files.isRegularFile(file)) {
                    return new KernelUnavailableException("-D" + PATH_PROPERTY + "=" + configured + " is not a file");
                }
                return open(file);
            }
            return extractAndOpen();
        } catch (IOException | RuntimeException e) {
            return new KernelUnavailableException("cannot load the native kernels: " + e.getMessage(), e);
        }
    }

    private static Object extractAndOpen() throws IOException {
        String resource = resource();
        try (InputStream in = NativeLibrary.class.getResourceAsStream(resource)) {
            if (in == null) {
                return new KernelUnavailableException("the kernels-native jar has no library for " + platform() + " ("
                        + resource + "); build it there or set -D" + PATH_PROPERTY);
            }
            // createTempFile gives the file owner-only permissions, so nobody else can swap the code
            Path file = Files.createTempFile(NAME + "-", "-" + System.mapLibraryName(NAME));
            try {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                return open(file);
            } finally {
                // the mapping outlives the file on POSIX systems; elsewhere remove it at exit
                try {
                    Files.delete(file);
                } catch (IOException e) {
                    file.toFile().deleteOnExit();
                }
            }
        }
    }

    @SuppressWarnings("restricted")
    private static SymbolLookup open(Path file) {
        // the global arena never unloads the library: kernels may be running on any thread
        return SymbolLookup.libraryLookup(file, Arena.global());
    }
}
