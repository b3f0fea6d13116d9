package dev.tersor.bench.suite;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tersor.bench.blas.OpenBlas;
import dev.tersor.kernels.Kernels;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The machine and software a run measured, saved as {@code machine.json} and printed at the top of
 * the report: numbers mean nothing without it.
 *
 * @param llcBytes last-level cache size; results whose weights fit in it are not memory-bound
 */
public record MachineInfo(String date, String cpu, int cores, long llcBytes, long memoryBytes, String os, String java,
                          String tersorVersion, String gitCommit, String openBlasConfig, String openBlasCore,
                          String openBlasLibrary, List<String> kernels, List<String> formats) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public MachineInfo {
        kernels = List.copyOf(kernels);
        formats = List.copyOf(formats);
    }

    /** Describes this machine; {@code blas} is the library the run compares with. */
    public static MachineInfo collect(OpenBlas blas, String tersorVersion, Environment environment) {
        return new MachineInfo(
                OffsetDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME),
                cpuModel(),
                Runtime.getRuntime().availableProcessors(),
                lastLevelCache(),
                memTotal(),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
                System.getProperty("java.vm.name") + " " + Runtime.version(),
                tersorVersion,
                describeCommit(),
                blas.config(),
                blas.coreName(),
                blas.library(),
                Kernels.available().stream().map(Kernels::toString).toList(),
                environment.formats());
    }

    private static String cpuModel() {
        for (String line : lines(Path.of("/proc/cpuinfo"))) {
            if (line.startsWith("model name")) {
                return line.substring(line.indexOf(':') + 1).trim();
            }
        }
        return System.getProperty("os.arch");
    }

    /** Size of the highest-level cache sysfs lists for cpu0, or 0 if unknown. */
    static long lastLevelCache() {
        Path caches = Path.of("/sys/devices/system/cpu/cpu0/cache");
        long best = 0;
        int bestLevel = 0;
        for (int index = 0; index < 8; index++) {
            Path dir = caches.resolve("index" + index);
            List<String> level = lines(dir.resolve("level"));
            List<String> size = lines(dir.resolve("size"));
            if (level.isEmpty() || size.isEmpty()) {
                continue;
            }
            int l = Integer.parseInt(level.getFirst().trim());
            long bytes = parseSize(size.getFirst().trim());
            if (l > bestLevel || (l == bestLevel && bytes > best)) {
                bestLevel = l;
                best = bytes;
            }
        }
        return best;
    }

    /** {@code "32768K"}, {@code "32M"} or a plain number of bytes. */
    static long parseSize(String text) {
        String t = text.toUpperCase(Locale.ROOT);
        long unit = t.endsWith("K") ? 1L << 10 : t.endsWith("M") ? 1L << 20 : t.endsWith("G") ? 1L << 30 : 1;
        String digits = unit == 1 ? t : t.substring(0, t.length() - 1);
        return Long.parseLong(digits.trim()) * unit;
    }

    private static long memTotal() {
        for (String line : lines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                return parseSize(line.substring(9).trim().replace(" kB", "K"));
            }
        }
        return 0;
    }

    private static String describeCommit() {
        try {
            Process git = new ProcessBuilder("git", "describe", "--always", "--dirty", "--abbrev=12")
                    .redirectErrorStream(true).start();
            String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (git.waitFor(10, TimeUnit.SECONDS) && git.exitValue() == 0 && !out.isEmpty()) {
                return out;
            }
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return "unknown";
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException | UncheckedIOException e) {
            return List.of();
        }
    }

    public void write(Path file) {
        try {
            JSON.writeValue(file.toFile(), this);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    public static MachineInfo read(Path file) {
        try {
            return JSON.readValue(file.toFile(), MachineInfo.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
