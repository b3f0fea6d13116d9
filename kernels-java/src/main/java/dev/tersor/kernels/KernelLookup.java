package dev.tersor.kernels;

import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Finds the kernel providers this JVM can run and picks one, in the manner of Lucene's vectorization
 * provider: the scalar reference always works; the Vector API provider is loaded reflectively, and
 * only when {@code jdk.incubator.vector} is in the boot layer; the native provider is loaded
 * reflectively when the kernels-native jar is on the class path and its library loads. The best one
 * available wins, unless {@value Kernels#PROVIDER_PROPERTY} forces a choice. The choice is logged once.
 */
final class KernelLookup {

    static final String VECTOR_MODULE = "jdk.incubator.vector";
    private static final String VECTOR_CLASS = "dev.tersor.kernels.VectorKernels";
    private static final String NATIVE_CLASS = "dev.tersor.kernels.ffm.NativeKernels";

    private static final System.Logger LOG = System.getLogger("dev.tersor.kernels");

    private KernelLookup() {
    }

    private static final class Preferred {
        static final Choice CHOICE = choose(System.getProperty(Kernels.PROVIDER_PROPERTY));
    }

    /** The outcome of the startup choice; an unavailable forced provider is remembered as an error. */
    private record Choice(Kernels kernels, RuntimeException error) {
    }

    static Kernels preferred() {
        Choice choice = Preferred.CHOICE;
        if (choice.error != null) {
            throw choice.error;
        }
        return choice.kernels;
    }

    static Kernels named(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "scalar" -> ScalarKernels.INSTANCE;
            case "vector" -> VectorHolder.load();
            case "native" -> NativeHolder.load();
            default -> throw new IllegalArgumentException(
                    "unknown kernel provider '" + name + "'; expected scalar, vector or native");
        };
    }

    static List<Kernels> available() {
        List<Kernels> result = new ArrayList<>(List.of(ScalarKernels.INSTANCE));
        for (String name : List.of("vector", "native")) {
            try {
                result.add(named(name));
            } catch (KernelUnavailableException e) {
                // not available in this JVM; preferred() explains why in its log line
            }
        }
        return List.copyOf(result);
    }

    private static Choice choose(String forced) {
        if (forced != null && !forced.isBlank()) {
            try {
                Kernels kernels = named(forced.trim());
                LOG.log(System.Logger.Level.INFO, "Tersor kernels: {0}, forced by -D{1}", kernels, Kernels.PROVIDER_PROPERTY);
                return new Choice(kernels, null);
            } catch (RuntimeException e) {
                return new Choice(null, new KernelUnavailableException(
                        "-D" + Kernels.PROVIDER_PROPERTY + "=" + forced + " cannot be honoured: " + e.getMessage(), e));
            }
        }
        List<String> skipped = new ArrayList<>();
        for (String name : List.of("native", "vector")) {
            try {
                Kernels kernels = named(name);
                LOG.log(System.Logger.Level.INFO, "Tersor kernels: {0}{1}", kernels, because(skipped));
                return new Choice(kernels, null);
            } catch (KernelUnavailableException e) {
                skipped.add(name + " unavailable: " + e.getMessage());
            }
        }
        LOG.log(System.Logger.Level.INFO, "Tersor kernels: {0}{1}", ScalarKernels.INSTANCE, because(skipped));
        return new Choice(ScalarKernels.INSTANCE, null);
    }

    private static String because(List<String> skipped) {
        return skipped.isEmpty() ? "" : " (" + String.join("; ", skipped) + ")";
    }

    static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent();
    }

    /** Loads the Vector API provider once; the class is never touched unless the module is present. */
    private static final class VectorHolder {
        private static final Object PROVIDER = tryLoad();

        private static Object tryLoad() {
            if (!vectorModulePresent()) {
                return new KernelUnavailableException(VECTOR_MODULE + " is not in the boot layer (run with --add-modules "
                        + VECTOR_MODULE + ")");
            }
            return instantiate(VECTOR_CLASS, "the Vector API provider");
        }

        static Kernels load() {
            return unwrap(PROVIDER);
        }
    }

    /** Loads the native provider once, if kernels-native is on the class path. */
    private static final class NativeHolder {
        private static final Object PROVIDER = instantiate(NATIVE_CLASS, "kernels-native");

        static Kernels load() {
            return unwrap(PROVIDER);
        }
    }

    private static Kernels unwrap(Object provider) {
        if (provider instanceof Kernels kernels) {
            return kernels;
        }
        throw (KernelUnavailableException) provider;
    }

    /** The provider instance from its public static {@code create()}, or the reason it cannot run. */
    private static Object instantiate(String className, String what) {
        try {
            Class<?> type = Class.forName(className, true, KernelLookup.class.getClassLoader());
            return type.asSubclass(Kernels.class).getMethod("create").invoke(null);
        } catch (ClassNotFoundException e) {
            return new KernelUnavailableException(what + " is not on the class path");
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            return new KernelUnavailableException(String.valueOf(cause.getMessage()), cause);
        } catch (ReflectiveOperationException | LinkageError e) {
            return new KernelUnavailableException(what + " failed to load: " + e, e);
        }
    }
}
