package dev.tersor.embed;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The text a model was trained to see before its inputs, by purpose, as sentence-transformers'
 * {@code config_sentence_transformers.json} lists them ({@code prompts}, {@code default_prompt_name}):
 * e5's {@code "query: "} and {@code "passage: "}, for example. {@link Embedder} applies none by itself;
 * a caller passes the one it wants as {@link EmbedSettings#prefix()}.
 *
 * @param byName      prompt text by name, such as {@code query} or {@code document}
 * @param defaultName the name of the prompt for inputs of no stated purpose, or empty for none
 */
public record Prompts(Map<String, String> byName, String defaultName) {

    /** A model that takes its inputs bare. */
    public static final Prompts NONE = new Prompts(Map.of(), "");

    public Prompts {
        byName = Map.copyOf(Objects.requireNonNull(byName, "byName"));
        Objects.requireNonNull(defaultName, "defaultName");
        if (!defaultName.isEmpty() && !byName.containsKey(defaultName)) {
            throw new IllegalArgumentException("the default prompt '" + defaultName + "' is not one of the prompts "
                    + byName.keySet());
        }
    }

    /** The prompt named {@code name}, if the model has one. */
    public Optional<String> named(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** The prompt for inputs of no stated purpose: the default prompt, or empty. */
    public String defaultPrompt() {
        return defaultName.isEmpty() ? "" : byName.get(defaultName);
    }

    /** The prompt for search queries: the one named {@code query}, else the default. */
    public String query() {
        return named("query").orElseGet(this::defaultPrompt);
    }

    /**
     * The prompt for the documents searched: the one named {@code document} or {@code passage} (both
     * names are in use), else the default.
     */
    public String document() {
        return named("document").or(() -> named("passage")).orElseGet(this::defaultPrompt);
    }
}
