package dev.tersor.kernels.ffm;

import dev.tersor.kernels.KernelUnavailableException;
import dev.tersor.kernels.Kernels;

/**
 * Run in a fresh JVM by {@link NativeFallbackTest}: prints the provider the lookup chose and the
 * status of the native one, one {@code key=value} per line.
 */
public final class ProviderProbe {

    private ProviderProbe() {
    }

    public static void main(String[] args) {
        try {
            System.out.println("preferred=" + Kernels.preferred());
        } catch (KernelUnavailableException e) {
            System.out.println("preferred-error=" + e.getMessage());
        }
        try {
            System.out.println("native=" + Kernels.named("native").isa());
        } catch (KernelUnavailableException e) {
            System.out.println("native-unavailable=" + e.getMessage());
        }
    }
}
