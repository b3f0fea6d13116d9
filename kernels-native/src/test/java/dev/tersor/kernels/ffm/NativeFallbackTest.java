package dev.tersor.kernels.ffm;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Loading in fresh JVMs: the native provider is preferred when it loads, and every way it can fail
 * (no native access, a missing or broken library file, an unknown ISA cap) leaves a JVM that runs
 * on the Vector API kernels and logs one line saying why. Forcing the native provider when it
 * cannot load is an error, not a fallback. The ISA cap works from the property and the environment.
 */
class NativeFallbackTest {

    private record Run(String out, String err, int exit) {
    }

    private static Run probe(List<String> jvmOptions, Map<String, String> environment) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(ProviderProbe.class.getName());
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().remove(NativeKernels.ISA_ENVIRONMENT);
        builder.environment().putAll(environment);
        Process process = builder.start();
        process.getOutputStream().close();
        byte[] out = process.getInputStream().readAllBytes();
        byte[] err = process.getErrorStream().readAllBytes();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        Run run = new Run(new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8), process.exitValue());
        assertThat(run.exit()).as("probe failed: %s", run).isZero();
        return run;
    }

    private static List<String> flags(String... extra) {
        List<String> flags = new ArrayList<>(List.of("--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"));
        flags.addAll(List.of(extra));
        return flags;
    }

    @Test
    void nativeIsPreferredWhenItLoads() throws Exception {
        Run run = probe(flags(), Map.of());
        assertThat(run.out()).contains("preferred=native (").contains("native=");
        assertThat(run.err()).contains("Tersor kernels: native (");
    }

    @Test
    void withoutNativeAccessTheVectorKernelsRunAndTheLogSaysWhy() throws Exception {
        Run run = probe(List.of("--add-modules", "jdk.incubator.vector"), Map.of());
        assertThat(run.out()).contains("preferred=vector (")
                .contains("native-unavailable=native access is not enabled for the class path (run java with --enable-native-access=ALL-UNNAMED)");
        assertThat(run.err()).contains("Tersor kernels: vector (").contains("native unavailable: native access is not enabled");
        assertThat(run.err()).doesNotContain("restricted method");
    }

    @Test
    void aMissingLibraryFileFallsBack() throws Exception {
        Run run = probe(flags("-D" + NativeLibrary.PATH_PROPERTY + "=/nonexistent/libtersor_kernels.so"), Map.of());
        assertThat(run.out()).contains("preferred=vector (")
                .contains("native-unavailable=-Dtersor.native.library=/nonexistent/libtersor_kernels.so is not a file");
        assertThat(run.err()).contains("native unavailable: -Dtersor.native.library=/nonexistent/libtersor_kernels.so is not a file");
    }

    @Test
    void aFileThatIsNoLibraryFallsBack() throws Exception {
        String notALibrary = System.getProperty("tersor.native.header", "src/main/c/include/tersor_kernels.h");
        Run run = probe(flags("-D" + NativeLibrary.PATH_PROPERTY + "=" + notALibrary), Map.of());
        assertThat(run.out()).contains("preferred=vector (").contains("native-unavailable=cannot load the native kernels: ");
    }

    @Test
    void anUnknownIsaCapFallsBack() throws Exception {
        Run run = probe(flags("-D" + NativeKernels.ISA_PROPERTY + "=sse9"), Map.of());
        assertThat(run.out()).contains("preferred=vector (")
                .contains("native-unavailable=-Dtersor.native.isa=sse9 names no native ISA path; this library has: portable");
    }

    @Test
    void theIsaCapComesFromThePropertyOrTheEnvironment() throws Exception {
        assertThat(probe(flags("-D" + NativeKernels.ISA_PROPERTY + "=portable"), Map.of()).out())
                .contains("preferred=native (portable)");
        assertThat(probe(flags(), Map.of(NativeKernels.ISA_ENVIRONMENT, "portable")).out())
                .contains("preferred=native (portable)");
        // the property wins over the environment
        assertThat(probe(flags("-D" + NativeKernels.ISA_PROPERTY + "=portable"), Map.of(NativeKernels.ISA_ENVIRONMENT, "bogus")).out())
                .contains("preferred=native (portable)");
    }

    @Test
    void forcingAnUnavailableNativeProviderIsAnError() throws Exception {
        Run run = probe(flags("-Dtersor.kernels=native", "-D" + NativeLibrary.PATH_PROPERTY + "=/nonexistent/lib.so"), Map.of());
        assertThat(run.out()).contains("preferred-error=-Dtersor.kernels=native cannot be honoured: -Dtersor.native.library=/nonexistent/lib.so is not a file");
    }
}
