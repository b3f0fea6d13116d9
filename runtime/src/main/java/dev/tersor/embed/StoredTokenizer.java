package dev.tersor.embed;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;

import java.io.IOException;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How a model file keeps its {@code tokenizer.json}: a WordPiece, WordLevel or BPE vocabulary whose
 * ids run 0, 1, 2 … in file order is stored as its words alone, one a line, under
 * {@value #VOCABULARY_METADATA}, and the {@value Embedder#TOKENIZER_METADATA} entry keeps the rest of
 * the file with an empty {@code model.vocab}. MiniLM's 712 KB of JSON deflate to 206 KB; its words
 * alone to 110 KB (every id, quote and indent of the JSON is implied by the line number). Reading puts
 * the words back as the same map in the same order, so the tokenizer built from it is the original
 * one; any other tokenizer.json is stored as it is.
 */
public final class StoredTokenizer {

    /** The metadata key of a compact tokenizer's words, one a line, line i being id i. */
    public static final String VOCABULARY_METADATA = "tokenizer.vocab";

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
            .build();

    private StoredTokenizer() {
    }

    /**
     * The metadata entries that store {@code tokenizerJson}: the compact pair when its vocabulary
     * allows it, else the text as it is. {@link #json(Map)} of the result tokenizes as the input does.
     */
    public static Map<String, String> entries(String tokenizerJson) {
        try {
            Split split = split(tokenizerJson);
            if (split == null) {
                return Map.of(Embedder.TOKENIZER_METADATA, tokenizerJson);
            }
            Map<String, String> entries = new LinkedHashMap<>();
            entries.put(Embedder.TOKENIZER_METADATA, split.skeleton());
            entries.put(VOCABULARY_METADATA, String.join("\n", split.words()));
            return entries;
        } catch (IOException e) {
            // Not JSON at all: stored as given, and refused where a tokenizer is built from it.
            return Map.of(Embedder.TOKENIZER_METADATA, tokenizerJson);
        }
    }

    /**
     * The tokenizer.json that {@code metadata} stores, or null when it stores none.
     *
     * @throws InvalidTokenizerException if a compact vocabulary cannot be put back (a file damaged or
     *                                   written by hand: the words' entry without the JSON, a skeleton
     *                                   whose vocabulary is not empty, a word twice)
     */
    public static String json(Map<String, String> metadata) {
        String skeleton = metadata.get(Embedder.TOKENIZER_METADATA);
        String words = metadata.get(VOCABULARY_METADATA);
        if (words == null) {
            return skeleton;
        }
        if (skeleton == null) {
            throw new InvalidTokenizerException("the model stores a tokenizer vocabulary ('" + VOCABULARY_METADATA
                    + "') without its " + Embedder.TOKENIZER_METADATA);
        }
        try {
            return join(skeleton, words.split("\n", -1));
        } catch (IOException e) {
            throw new InvalidTokenizerException("the stored " + Embedder.TOKENIZER_METADATA + " is not valid JSON: "
                    + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /** The skeleton and the words of a compactable file, or null when its vocabulary is not one. */
    private record Split(String skeleton, List<String> words) {
    }

    private static Split split(String json) throws IOException {
        List<String> words = new ArrayList<>();
        boolean[] compact = {false};
        StringWriter out = new StringWriter(json.length() / 4);
        boolean object = copy(json, out, (g, p) -> {
            compact[0] = readSequentialVocabulary(p, words);
            g.writeStartObject();
            g.writeEndObject();
        });
        // A word with a line break cannot be one line, a word twice has no one id to put back, and an
        // empty vocabulary gains nothing.
        if (!object || !compact[0] || words.isEmpty() || words.stream().anyMatch(w -> w.indexOf('\n') >= 0)
                || new HashSet<>(words).size() != words.size()) {
            return null;
        }
        return new Split(out.toString(), words);
    }

    private static String join(String skeleton, String[] words) throws IOException {
        boolean[] filled = {false};
        StringWriter out = new StringWriter(skeleton.length() + words.length * 16);
        boolean object = copy(skeleton, out, (g, p) -> {
            if (p.nextToken() != JsonToken.END_OBJECT) {
                throw new InvalidTokenizerException("the stored " + Embedder.TOKENIZER_METADATA
                        + " has a vocabulary of its own beside '" + VOCABULARY_METADATA + "'");
            }
            writeVocabulary(g, words);
            filled[0] = true;
        });
        if (!object) {
            throw new InvalidTokenizerException("the stored " + Embedder.TOKENIZER_METADATA + " is not a JSON object");
        }
        if (!filled[0]) {
            throw new InvalidTokenizerException("the stored " + Embedder.TOKENIZER_METADATA
                    + " has no model.vocab object for the words of '" + VOCABULARY_METADATA + "'");
        }
        return out.toString();
    }

    /**
     * Copies the JSON object {@code json} into {@code out} as it is, but for {@code model.vocab}, which
     * {@code vocabulary} reads and writes; false (nothing copied) when {@code json} is not an object.
     */
    private static boolean copy(String json, StringWriter out, VocabularyCopy vocabulary) throws IOException {
        try (JsonParser p = FACTORY.createParser(json); JsonGenerator g = FACTORY.createGenerator(out)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            g.writeStartObject();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                g.writeFieldName(field);
                if (field.equals("model") && value == JsonToken.START_OBJECT) {
                    copyModel(p, g, vocabulary);
                } else {
                    g.copyCurrentStructure(p);
                }
            }
            g.writeEndObject();
        }
        return true;
    }

    @FunctionalInterface
    private interface VocabularyCopy {
        /** Called with the parser on the vocabulary's START_OBJECT; leaves it on the matching END_OBJECT. */
        void copy(JsonGenerator g, JsonParser p) throws IOException;
    }

    /** Copies the {@code model} object, handing its {@code vocab} object (if any) to {@code vocabulary}. */
    private static void copyModel(JsonParser p, JsonGenerator g, VocabularyCopy vocabulary) throws IOException {
        g.writeStartObject();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            g.writeFieldName(field);
            if (field.equals("vocab") && value == JsonToken.START_OBJECT) {
                vocabulary.copy(g, p);
            } else {
                g.copyCurrentStructure(p);
            }
        }
        g.writeEndObject();
    }

    /** Reads a vocabulary object into {@code words}; true when its ids are 0, 1, 2 … in order. */
    private static boolean readSequentialVocabulary(JsonParser p, List<String> words) throws IOException {
        boolean sequential = true;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String word = p.currentName();
            JsonToken id = p.nextToken();
            sequential &= id == JsonToken.VALUE_NUMBER_INT && p.getLongValue() == words.size();
            p.skipChildren();
            words.add(word);
        }
        return sequential;
    }

    private static void writeVocabulary(JsonGenerator g, String[] words) throws IOException {
        Set<String> seen = new HashSet<>(words.length * 2);
        g.writeStartObject();
        for (int id = 0; id < words.length; id++) {
            if (!seen.add(words[id])) {
                throw new InvalidTokenizerException("the stored tokenizer vocabulary has the word '" + words[id]
                        + "' twice (ids " + List.of(words).indexOf(words[id]) + " and " + id + ")");
            }
            g.writeNumberField(words[id], id);
        }
        g.writeEndObject();
    }
}
