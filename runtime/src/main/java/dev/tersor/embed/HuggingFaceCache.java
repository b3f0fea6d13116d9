package dev.tersor.embed;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Finds a model that the Hugging Face tools already downloaded, by its id ({@code org/name}), in
 * their cache: {@code $HF_HUB_CACHE}, else {@code $HF_HOME/hub}, else
 * {@code $XDG_CACHE_HOME/huggingface/hub}, else {@code ~/.cache/huggingface/hub}. The snapshot is
 * {@code models--org--name/snapshots/<commit>}, the commit being the one {@code refs/main} names.
 * Nothing is ever downloaded.
 */
public final class HuggingFaceCache {

    /** How the cache names a model repository's folder: {@code models--org--name}. */
    static final String REPOSITORY_PREFIX = "models--";

    /** The characters the Hub allows in an org or model name; no {@code ..}, so an id cannot leave the cache. */
    private static final Pattern MODEL_ID = Pattern.compile("(?:[A-Za-z0-9][A-Za-z0-9._-]*/)?[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    private final Path hub;

    /** A cache rooted at {@code hub} (the folder holding {@code models--…} folders). */
    public HuggingFaceCache(Path hub) {
        this.hub = hub.toAbsolutePath().normalize();
    }

    /** The cache the Hugging Face tools of this user use, from the environment. */
    public static HuggingFaceCache fromEnvironment() {
        return new HuggingFaceCache(hubDirectory(System.getenv(), Path.of(System.getProperty("user.home"))));
    }

    /** Where the hub cache is under {@code environment} for a user whose home is {@code home}. */
    static Path hubDirectory(Map<String, String> environment, Path home) {
        String hubCache = environment.get("HF_HUB_CACHE");
        if (hubCache != null && !hubCache.isBlank()) {
            return Path.of(hubCache);
        }
        String hfHome = environment.get("HF_HOME");
        if (hfHome != null && !hfHome.isBlank()) {
            return Path.of(hfHome, "hub");
        }
        String xdg = environment.get("XDG_CACHE_HOME");
        return (xdg != null && !xdg.isBlank() ? Path.of(xdg) : home.resolve(".cache")).resolve("huggingface").resolve("hub");
    }

    /** Whether {@code text} has the shape of a model id ({@code org/name} or {@code name}) rather than a path. */
    public static boolean isModelId(String text) {
        return MODEL_ID.matcher(text).matches() && !text.contains("..");
    }

    /** The cache's root folder. */
    public Path hub() {
        return hub;
    }

    /**
     * What a command line's model argument names: an existing file or folder as it is, else, for text
     * of the form {@code org/name}, that model's snapshot in this cache.
     *
     * @throws java.nio.file.NoSuchFileException if it is neither a file or folder nor of the form org/name
     * @throws ModelNotCachedException          if it is of that form but neither a file or folder nor cached
     */
    public Path locate(String pathOrModelId) throws IOException {
        Path path = Path.of(pathOrModelId);
        if (Files.exists(path)) {
            return path;
        }
        if (!pathOrModelId.contains("/") || !isModelId(pathOrModelId)) {
            throw new java.nio.file.NoSuchFileException(pathOrModelId);
        }
        try {
            return snapshot(pathOrModelId);
        } catch (ModelNotCachedException e) {
            throw new ModelNotCachedException("there is no file or folder " + pathOrModelId + ", and " + e.getMessage());
        }
    }

    /**
     * The folder of {@code modelId}'s snapshot at {@code refs/main}.
     *
     * @throws ModelNotCachedException if the model, its {@code refs/main} or that snapshot is not in the cache
     * @throws IllegalArgumentException if {@code modelId} is not a model id
     */
    public Path snapshot(String modelId) throws IOException {
        if (!isModelId(modelId)) {
            throw new IllegalArgumentException("'" + modelId + "' is not a Hugging Face model id (org/name)");
        }
        Path repository = hub.resolve(REPOSITORY_PREFIX + modelId.replace("/", "--"));
        if (!Files.isDirectory(repository)) {
            throw new ModelNotCachedException(modelId + " is not in the Hugging Face cache " + hub + " (no "
                    + repository.getFileName() + "); Tersor never downloads: fetch it with the Hugging Face tools first");
        }
        Path ref = repository.resolve("refs").resolve("main");
        if (!Files.isRegularFile(ref)) {
            throw new ModelNotCachedException(modelId + " in the Hugging Face cache has no refs/main (" + ref + ")");
        }
        String commit = Files.readString(ref, StandardCharsets.UTF_8).strip();
        if (!COMMIT.matcher(commit).matches()) {
            throw new ModelNotCachedException(ref + " does not hold a commit hash");
        }
        Path snapshot = repository.resolve("snapshots").resolve(commit);
        if (!Files.isDirectory(snapshot)) {
            throw new ModelNotCachedException(modelId + "'s refs/main names commit " + commit + ", whose snapshot " + snapshot
                    + " is missing");
        }
        return snapshot;
    }
}
