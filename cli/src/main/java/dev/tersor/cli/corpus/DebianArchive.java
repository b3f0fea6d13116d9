package dev.tersor.cli.corpus;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Files from Debian's archive (the corpora of fortunes and package descriptions), fetched with the
 * machine's own apt client into a private index under Tersor's cache: the system's apt state is
 * neither read nor changed, so this needs no root and works on a machine whose lists were never
 * downloaded. The archive is whatever the machine's apt sources name; none is named here.
 *
 * <p>The private index is made once ({@code apt-get update} with English translations, the only
 * place the long package descriptions are published) and kept, so every corpus drawn from it comes
 * from the same snapshot of the archive until the cache is deleted.
 */
public final class DebianArchive {

    /** apt's tool that decompresses an index file whatever its compression. */
    static final Path APT_HELPER = Path.of("/usr/lib/apt/apt-helper");

    private static final long TIMEOUT_MINUTES = 30;

    /** Fetches take minutes; a library says so through the application's logging, never on its own stderr. */
    private static final System.Logger LOG = System.getLogger("dev.tersor.io");

    private final Path lists;
    private final Path cache;

    private DebianArchive(Path dir) {
        this.lists = dir.resolve("lists");
        this.cache = dir.resolve("cache");
    }

    /** The private index under {@code cacheDir}, made with {@code apt-get update} on first use. */
    public static DebianArchive in(Path cacheDir) throws IOException {
        DebianArchive archive = new DebianArchive(cacheDir.resolve("corpus").resolve("debian").resolve("apt"));
        archive.update();
        return archive;
    }

    private void update() throws IOException {
        Path done = lists.resolve(".updated");
        if (Files.isRegularFile(done)) {
            return;
        }
        Files.createDirectories(lists.resolve("partial"));
        Files.createDirectories(cache.resolve("archives").resolve("partial"));
        try (FileChannel _ = locked()) {
            if (Files.isRegularFile(done)) {
                return;
            }
            LOG.log(System.Logger.Level.INFO, "Fetching Debian's package index with apt (once; it is cached afterwards)");
            run(command("apt-get", "update"), lists, "fetch Debian's package index");
            Files.writeString(done, "");
        }
    }

    /**
     * Held while this archive fetches: two processes sharing a cache (the tests and a command, say)
     * would otherwise run apt at once on one index, and the second would fail on apt's own lock.
     * Closing the channel releases the lock.
     */
    private FileChannel locked() throws IOException {
        FileChannel channel = FileChannel.open(lists.getParent().resolve(".lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        try {
            channel.lock();
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private List<String> command(String tool, String... arguments) {
        List<String> command = new ArrayList<>(List.of(tool, "-q",
                "-o", "Dir::State::Lists=" + lists.toAbsolutePath(),
                "-o", "Dir::Cache=" + cache.toAbsolutePath(),
                "-o", "Acquire::Languages=en"));
        command.addAll(List.of(arguments));
        return command;
    }

    /**
     * The files of Debian {@code packages} unpacked under {@code target} (as under {@code /}), fetched
     * with {@code apt-get download} unless {@code target} already holds them. The directory appears
     * whole or not at all.
     */
    public Path unpack(List<String> packages, Path target) throws IOException {
        if (Files.isDirectory(target)) {
            return target;
        }
        try (FileChannel _ = locked()) {
            return Files.isDirectory(target) ? target : fetchAndUnpack(packages, target);
        }
    }

    private Path fetchAndUnpack(List<String> packages, Path target) throws IOException {
        Path part = target.resolveSibling(target.getFileName() + ".part");
        deleteTree(part);
        Path debs = Files.createDirectories(part.resolve(".debs"));
        LOG.log(System.Logger.Level.INFO, "Fetching the Debian packages {0} with apt (once; they are cached afterwards)",
                String.join(", ", packages));
        List<String> download = command("apt-get", "download");
        download.addAll(packages);
        try {
            run(download, debs, "download the Debian packages " + String.join(" ", packages));
            try (Stream<Path> files = Files.list(debs)) {
                for (Path deb : files.filter(f -> f.getFileName().toString().endsWith(".deb")).sorted().toList()) {
                    run(List.of("dpkg-deb", "-x", deb.toString(), part.toString()), part, "unpack " + deb.getFileName());
                }
            }
        } catch (IOException e) {
            deleteTree(part);
            throw e;
        }
        deleteTree(debs);
        Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
        return target;
    }

    /** The English translation indexes of the private index, which hold the long package descriptions, in a fixed order. */
    public List<Path> translationIndexes() throws IOException {
        Path listing = Files.createTempFile("tersor-indextargets", ".txt");
        try {
            run(command("apt-get", "indextargets", "--format", "$(FILENAME)", "Created-By: Translations"), lists,
                    "list Debian's translation indexes", listing);
            List<Path> files = new ArrayList<>();
            for (String line : Files.readAllLines(listing, StandardCharsets.UTF_8)) {
                if (!line.isBlank() && Files.isRegularFile(Path.of(line.strip()))) {
                    files.add(Path.of(line.strip()));
                }
            }
            files.sort(Comparator.naturalOrder());
            if (files.isEmpty()) {
                throw new SourceUnavailableException("Debian's package index has no English translations (delete "
                        + lists.getParent() + " to fetch it again)");
            }
            return files;
        } finally {
            Files.deleteIfExists(listing);
        }
    }

    /** Reads an index file through apt's own decompression, line by line. */
    public static void readIndex(Path index, LineConsumer consumer) throws IOException {
        if (!Files.isExecutable(APT_HELPER)) {
            throw new SourceUnavailableException(APT_HELPER + " is missing: reading Debian's indexes needs Debian's apt");
        }
        Process process = new ProcessBuilder(APT_HELPER.toString(), "cat-file", index.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                consumer.accept(line);
            }
        }
        if (waitFor(process, "read " + index.getFileName()) != 0) {
            throw new SourceUnavailableException("apt-helper could not read " + index);
        }
    }

    /** Receives the lines of an index. */
    @FunctionalInterface
    public interface LineConsumer {
        void accept(String line) throws IOException;
    }

    private static void run(List<String> command, Path workDir, String what) throws IOException {
        run(command, workDir, what, null);
    }

    /** Runs {@code command}; on failure, one line naming what failed and apt's last words. */
    private static void run(List<String> command, Path workDir, String what, Path stdout) throws IOException {
        Path log = Files.createTempFile("tersor-apt", ".log");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile())
                    .redirectError(log.toFile()).redirectOutput(stdout != null ? stdout.toFile() : log.toFile());
            Process process;
            try {
                process = builder.start();
            } catch (IOException e) {
                throw new SourceUnavailableException("cannot " + what + ": " + command.getFirst()
                        + " is not on the PATH (Debian's apt and dpkg are needed)");
            }
            if (waitFor(process, what) != 0) {
                throw new SourceUnavailableException("cannot " + what + " with " + command.getFirst() + ": "
                        + lastError(log) + " (are the machine's apt sources reachable?)");
            }
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static int waitFor(Process process, String what) throws IOException {
        try {
            if (!process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                process.destroy();
                throw new SourceUnavailableException("timed out trying to " + what);
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            process.destroy();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while trying to " + what, e);
        }
    }

    /** apt's last error line ("E: ..."), else its last line. */
    private static String lastError(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log, StandardCharsets.ISO_8859_1).stream().filter(l -> !l.isBlank()).toList();
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (lines.get(i).startsWith("E: ")) {
                return lines.get(i).substring(3).strip();
            }
        }
        return lines.isEmpty() ? "no output" : lines.getLast().strip();
    }

    /** Deletes {@code dir} and everything under it, if it exists. */
    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
