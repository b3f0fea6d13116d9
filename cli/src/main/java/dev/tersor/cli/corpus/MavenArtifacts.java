package dev.tersor.cli.corpus;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Files inside Maven artifacts (models, corpora), fetched with the ordinary Maven client into the
 * local repository and extracted once into Tersor's git-ignored cache directory. The remote
 * repositories are whatever the user's Maven is configured with; none is named here.
 */
public final class MavenArtifacts {

    /** System property: the cache directory ({@code ./tersor} sets it to the checkout's {@code .cache}). */
    public static final String CACHE_PROPERTY = "tersor.cache.dir";

    /** Fetches take minutes; a library says so through the application's logging, never on its own stderr. */
    private static final System.Logger LOG = System.getLogger("dev.tersor.io");

    private MavenArtifacts() {
    }

    /** Tersor's cache directory: {@value #CACHE_PROPERTY}, else {@code .cache} in the working directory. */
    public static Path cacheDir() {
        String dir = System.getProperty(CACHE_PROPERTY);
        return Path.of(dir != null ? dir : ".cache").toAbsolutePath();
    }

    /** The local Maven repository: {@code maven.repo.local}, else {@code ~/.m2/repository}. */
    public static Path localRepository() {
        String local = System.getProperty("maven.repo.local");
        return local != null ? Path.of(local) : Path.of(System.getProperty("user.home"), ".m2", "repository");
    }

    /** Where {@code group:artifact:version} (a jar) lives in the local repository. */
    public static Path localJar(String group, String artifact, String version) {
        return localRepository().resolve(group.replace('.', '/')).resolve(artifact).resolve(version)
                .resolve(artifact + "-" + version + ".jar");
    }

    /**
     * The jar of {@code group:artifact:version}, fetched with {@code mvn dependency:get} when the
     * local repository does not have it yet.
     */
    public static Path resolveJar(String group, String artifact, String version) throws IOException {
        Path jar = localJar(group, artifact, version);
        if (Files.isRegularFile(jar)) {
            return jar;
        }
        String coordinate = group + ":" + artifact + ":" + version;
        LOG.log(System.Logger.Level.INFO, "Fetching {0} with Maven (once; it is cached afterwards)", coordinate);
        List<String> command = new ArrayList<>(List.of("mvn", "-B", "-q", "dependency:get", "-Dtransitive=false",
                "-Dartifact=" + coordinate));
        if (System.getProperty("maven.repo.local") != null) {
            command.add("-Dmaven.repo.local=" + System.getProperty("maven.repo.local"));
        }
        Process process;
        try {
            process = new ProcessBuilder(command).inheritIO().start();
        } catch (IOException e) {
            throw new IOException("cannot run Maven to fetch " + coordinate + " (is mvn on the PATH?): " + e.getMessage(), e);
        }
        try {
            if (!process.waitFor(30, TimeUnit.MINUTES) || process.exitValue() != 0) {
                process.destroy();
                throw new IOException("Maven could not fetch " + coordinate);
            }
        } catch (InterruptedException e) {
            process.destroy();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fetching " + coordinate, e);
        }
        if (!Files.isRegularFile(jar)) {
            throw new IOException("Maven reported success but " + jar + " does not exist");
        }
        return jar;
    }

    /**
     * {@code entry} of the artifact's jar, extracted to {@code target} unless it is already there.
     * The file appears atomically, so an interrupted extraction leaves nothing half-written.
     */
    public static Path extract(String group, String artifact, String version, String entry, Path target) throws IOException {
        if (Files.isRegularFile(target)) {
            return target;
        }
        Path jar = resolveJar(group, artifact, version);
        Files.createDirectories(target.toAbsolutePath().getParent());
        Path part = target.resolveSibling(target.getFileName() + ".part");
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            ZipEntry found = zip.getEntry(entry);
            if (found == null) {
                throw new IOException(jar + " has no entry " + entry);
            }
            try (InputStream in = zip.getInputStream(found)) {
                Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return target;
    }
}
