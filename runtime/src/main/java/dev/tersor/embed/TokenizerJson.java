package dev.tersor.embed;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;

import java.io.IOException;
import java.util.HashSet;
import java.util.Set;

/**
 * What Tersor reads and checks of a Hugging Face {@code tokenizer.json} before the native
 * {@code tokenizers} library sees it.
 *
 * <p>The native library aborts the whole process (a Rust panic across JNI) when encoding needs an
 * unknown-token that the model lacks: a WordPiece or WordLevel vocabulary without its
 * {@code unk_token}, an empty vocabulary, a Unigram model without {@code unk_id}. Construction
 * succeeds on such files and the first unknown character kills the JVM, so these facts are checked
 * here, and a file that fails is an {@link InvalidTokenizerException} at load instead. The
 * remaining structure (normalizers, pre-tokenizers, templates) is validated by the library's own
 * deserializer, which reports errors as exceptions.
 *
 * @param maxLength     {@code truncation.max_length}, or 0 when the file does not truncate
 * @param padId         {@code padding.pad_id}, 0 when absent
 * @param modelType     {@code model.type}: WordPiece, WordLevel, BPE or Unigram
 * @param vocabSize     entries in {@code model.vocab}
 * @param maxTokenId    the largest id any entry (vocabulary, added tokens) can produce
 * @param specialTokens tokens the post-processor adds around a single text (2 for BERT)
 * @param specialIds    the ids of the added tokens marked {@code special} ([PAD], [CLS], [MASK] …)
 */
record TokenizerJson(int maxLength, long padId, String modelType, int vocabSize, long maxTokenId, int specialTokens,
                     Set<Long> specialIds) {

    TokenizerJson {
        specialIds = Set.copyOf(specialIds);
    }

    /** Vocabularies larger than any real model's: bounds the memory a hostile file can claim. */
    static final int MAX_VOCABULARY = 1 << 22;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
            .build();

    private static final Set<String> MODEL_TYPES = Set.of("WordPiece", "WordLevel", "BPE", "Unigram");

    /** Parses and checks {@code json}; throws {@link InvalidTokenizerException} naming what is wrong. */
    static TokenizerJson read(byte[] json) {
        checkSurrogateEscapes(json);
        try (JsonParser p = FACTORY.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidTokenizerException("tokenizer.json is not a JSON object");
            }
            Builder b = new Builder();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "truncation" -> b.readTruncation(p, value);
                    case "padding" -> b.readPadding(p, value);
                    case "model" -> b.readModel(p, value);
                    case "added_tokens" -> b.readAddedTokens(p, value);
                    case "post_processor" -> b.specialTokens = specialTokens(p, value);
                    default -> p.skipChildren();
                }
            }
            return b.build();
        } catch (IOException e) {
            throw new InvalidTokenizerException("tokenizer.json is not valid JSON: " + firstLine(e.getMessage()));
        }
    }

    /**
     * Tokens a post-processor adds around one text: a template's special tokens, 2 for BERT and
     * RoBERTa. A template whose pieces name a special token it does not define, under that very key,
     * would abort the process at the first encode, so it is rejected here.
     */
    private static int specialTokens(JsonParser p, JsonToken value) throws IOException {
        if (value != JsonToken.START_OBJECT) {
            p.skipChildren();
            return 0;
        }
        String type = null;
        int single = 0;
        Set<String> used = new HashSet<>();
        Set<String> defined = new HashSet<>();
        boolean hasDefinitions = false;
        int sequence = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken v = p.nextToken();
            if (field.equals("type") && v == JsonToken.VALUE_STRING) {
                type = p.getText();
            } else if ((field.equals("single") || field.equals("pair")) && v == JsonToken.START_ARRAY) {
                int count = templateSpecialTokens(p, used);
                single = field.equals("single") ? count : single;
            } else if (field.equals("special_tokens") && v == JsonToken.START_OBJECT) {
                hasDefinitions = true;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    if (specialTokenDefinition(p, p.nextToken(), key)) {
                        defined.add(key);
                    }
                }
            } else if (field.equals("processors") && v == JsonToken.START_ARRAY) {
                JsonToken item;
                while ((item = p.nextToken()) != JsonToken.END_ARRAY && item != null) {
                    sequence += specialTokens(p, item);
                }
            } else {
                p.skipChildren();
            }
        }
        // Whatever the type says: the native library reads a post-processor of type null as a template too.
        if (hasDefinitions) {
            for (String id : used) {
                if (!defined.contains(id)) {
                    throw new InvalidTokenizerException("tokenizer.json: the post-processor's template uses special token '"
                            + id + "', which its special_tokens do not define");
                }
            }
        }
        if (type == null) {
            return 0;
        }
        return switch (type) {
            case "TemplateProcessing" -> single;
            case "BertProcessing", "RobertaProcessing" -> 2;
            case "Sequence" -> sequence;
            default -> 0;
        };
    }

    /** Counts a template's SpecialToken pieces and collects the ids they name. */
    private static int templateSpecialTokens(JsonParser p, Set<String> used) throws IOException {
        int count = 0;
        JsonToken piece;
        while ((piece = p.nextToken()) != JsonToken.END_ARRAY && piece != null) {
            if (piece != JsonToken.START_OBJECT) {
                p.skipChildren();
                continue;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                boolean special = p.currentName().equals("SpecialToken");
                JsonToken body = p.nextToken();
                if (special && body == JsonToken.START_OBJECT) {
                    count++;
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String field = p.currentName();
                        JsonToken v = p.nextToken();
                        if (field.equals("id") && v == JsonToken.VALUE_STRING) {
                            used.add(p.getText());
                        } else {
                            p.skipChildren();
                        }
                    }
                } else {
                    p.skipChildren();
                }
            }
        }
        return count;
    }

    /**
     * Whether one entry of a template's special_tokens is usable under {@code key}: its id equals the
     * key, and it has as many token ids as tokens, at least one.
     */
    private static boolean specialTokenDefinition(JsonParser p, JsonToken value, String key) throws IOException {
        if (value != JsonToken.START_OBJECT) {
            p.skipChildren();
            return false;
        }
        String id = null;
        int ids = -1;
        int tokens = -1;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken v = p.nextToken();
            if (field.equals("id") && v == JsonToken.VALUE_STRING) {
                id = p.getText();
            } else if ((field.equals("ids") || field.equals("tokens")) && v == JsonToken.START_ARRAY) {
                int n = 0;
                JsonToken item;
                while ((item = p.nextToken()) != JsonToken.END_ARRAY && item != null) {
                    if (field.equals("ids")) {
                        tokenId(p, item, "special token '" + key + "'");
                    }
                    p.skipChildren();
                    n++;
                }
                ids = field.equals("ids") ? n : ids;
                tokens = field.equals("tokens") ? n : tokens;
            } else {
                p.skipChildren();
            }
        }
        return key.equals(id) && ids > 0 && ids == tokens;
    }

    /**
     * Rejects {@code \\uD800}-style escapes of half a surrogate pair. Jackson reads them as lone
     * chars, but the native library's nested deserializers panic on them.
     */
    private static void checkSurrogateEscapes(byte[] json) {
        for (int i = 0; i < json.length - 1; i++) {
            if (json[i] != '\\') {
                continue;
            }
            if (json[i + 1] != 'u') {
                i++;
                continue;
            }
            int unit = hexUnit(json, i + 2);
            if (unit >= 0xD800 && unit <= 0xDBFF && hexUnit(json, i + 8) >= 0xDC00 && hexUnit(json, i + 8) <= 0xDFFF
                    && json[i + 6] == '\\' && json[i + 7] == 'u') {
                i += 11;
            } else if (unit >= 0xD800 && unit <= 0xDFFF) {
                throw new InvalidTokenizerException("tokenizer.json escapes half a surrogate pair (\\u"
                        + Integer.toHexString(unit).toUpperCase(java.util.Locale.ROOT) + ") at byte " + i);
            } else {
                i += 5;
            }
        }
    }

    /** The four hex digits at {@code at} as a UTF-16 unit, or -1. */
    private static int hexUnit(byte[] json, int at) {
        if (at + 4 > json.length) {
            return -1;
        }
        int unit = 0;
        for (int k = 0; k < 4; k++) {
            int digit = Character.digit(json[at + k], 16);
            if (digit < 0) {
                return -1;
            }
            unit = unit * 16 + digit;
        }
        return unit;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    private static long tokenId(JsonParser p, JsonToken v, String where) throws IOException {
        if (v != JsonToken.VALUE_NUMBER_INT) {
            throw new InvalidTokenizerException("tokenizer.json: " + where + " is not an integer token id");
        }
        long id = p.getLongValue();
        if (id < 0 || id > Integer.MAX_VALUE) {
            throw new InvalidTokenizerException("tokenizer.json: " + where + " has token id " + id
                    + ", outside [0, " + Integer.MAX_VALUE + "]");
        }
        return id;
    }

    /** Collects the fields in whatever order the file gives them, then checks them together. */
    private static final class Builder {
        int maxLength;
        long padId;
        boolean hasModel;
        String modelType;
        String unkToken;
        Long unkId;
        boolean unigramVocabulary;
        final Set<String> vocabulary = new HashSet<>();
        int unigramEntries;
        long maxTokenId = -1;
        int specialTokens;
        final Set<Long> specialIds = new HashSet<>();

        void readTruncation(JsonParser p, JsonToken value) throws IOException {
            forEachField(p, value, (field, v) -> {
                if (field.equals("max_length") && v == JsonToken.VALUE_NUMBER_INT) {
                    maxLength = Math.clamp(p.getLongValue(), 0, Integer.MAX_VALUE);
                } else {
                    p.skipChildren();
                }
            });
        }

        void readPadding(JsonParser p, JsonToken value) throws IOException {
            forEachField(p, value, (field, v) -> {
                if (field.equals("pad_id")) {
                    padId = tokenId(p, v, "padding.pad_id");
                } else {
                    p.skipChildren();
                }
            });
        }

        void readModel(JsonParser p, JsonToken value) throws IOException {
            if (value != JsonToken.START_OBJECT) {
                throw new InvalidTokenizerException("tokenizer.json: model is not an object");
            }
            hasModel = true;
            forEachField(p, value, (field, v) -> {
                switch (field) {
                    case "type" -> modelType = v == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "unk_token" -> unkToken = v == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "unk_id" -> unkId = v == JsonToken.VALUE_NULL ? null : tokenId(p, v, "model.unk_id");
                    case "vocab" -> readVocabulary(p, v);
                    default -> p.skipChildren();
                }
            });
        }

        /** WordPiece, WordLevel and BPE map token to id; Unigram lists [piece, score] pairs, the id being the index. */
        private void readVocabulary(JsonParser p, JsonToken v) throws IOException {
            if (v == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String token = p.currentName();
                    long id = tokenId(p, p.nextToken(), "model.vocab entry '" + token + "'");
                    vocabulary.add(token);
                    maxTokenId = Math.max(maxTokenId, id);
                    checkSize(vocabulary.size());
                }
            } else if (v == JsonToken.START_ARRAY) {
                unigramVocabulary = true;
                JsonToken item;
                while ((item = p.nextToken()) != JsonToken.END_ARRAY && item != null) {
                    p.skipChildren();
                    checkSize(++unigramEntries);
                }
                maxTokenId = Math.max(maxTokenId, unigramEntries - 1L);
            } else {
                throw new InvalidTokenizerException("tokenizer.json: model.vocab is neither an object nor an array");
            }
        }

        private static void checkSize(int entries) {
            if (entries > MAX_VOCABULARY) {
                throw new InvalidTokenizerException("tokenizer.json: the vocabulary has more than " + MAX_VOCABULARY + " entries");
            }
        }

        void readAddedTokens(JsonParser p, JsonToken value) throws IOException {
            if (value != JsonToken.START_ARRAY) {
                p.skipChildren();
                return;
            }
            JsonToken item;
            while ((item = p.nextToken()) != JsonToken.END_ARRAY && item != null) {
                long[] id = {-1};
                boolean[] special = {false};
                forEachField(p, item, (field, v) -> {
                    if (field.equals("id")) {
                        id[0] = tokenId(p, v, "added_tokens entry");
                        maxTokenId = Math.max(maxTokenId, id[0]);
                    } else if (field.equals("special")) {
                        special[0] = v == JsonToken.VALUE_TRUE;
                        p.skipChildren();
                    } else {
                        p.skipChildren();
                    }
                });
                if (special[0] && id[0] >= 0) {
                    specialIds.add(id[0]);
                }
            }
        }

        TokenizerJson build() {
            if (!hasModel) {
                throw new InvalidTokenizerException("tokenizer.json has no model");
            }
            if (modelType == null || !MODEL_TYPES.contains(modelType)) {
                throw new InvalidTokenizerException("tokenizer.json: model.type is " + (modelType == null ? "missing" : "'" + modelType + "'")
                        + "; expected one of WordPiece, WordLevel, BPE, Unigram");
            }
            int vocabSize = unigramVocabulary ? unigramEntries : vocabulary.size();
            if (vocabSize == 0) {
                throw new InvalidTokenizerException("tokenizer.json: the " + modelType + " model has an empty vocabulary");
            }
            if (unigramVocabulary != modelType.equals("Unigram")) {
                throw new InvalidTokenizerException("tokenizer.json: model.vocab has the wrong shape for a " + modelType + " model");
            }
            switch (modelType) {
                case "WordPiece", "WordLevel" -> {
                    // Every text with a character outside the vocabulary needs the unknown token.
                    if (unkToken == null || !vocabulary.contains(unkToken)) {
                        throw new InvalidTokenizerException("tokenizer.json: the " + modelType + " model's unknown token "
                                + (unkToken == null ? "(model.unk_token) is missing" : "'" + unkToken + "' is not in its vocabulary"));
                    }
                }
                case "BPE" -> {
                    // Without unk_token BPE drops unknown characters; with one, it must exist.
                    if (unkToken != null && !vocabulary.contains(unkToken)) {
                        throw new InvalidTokenizerException("tokenizer.json: the BPE model's unknown token '" + unkToken
                                + "' is not in its vocabulary");
                    }
                }
                default -> {
                    if (unkId == null || unkId >= vocabSize) {
                        throw new InvalidTokenizerException("tokenizer.json: the Unigram model's unknown token id (model.unk_id) is "
                                + (unkId == null ? "missing" : unkId + ", outside its " + vocabSize + " pieces"));
                    }
                }
            }
            return new TokenizerJson(maxLength, padId, modelType, vocabSize, maxTokenId, specialTokens, specialIds);
        }
    }

    private interface FieldReader {
        void read(String field, JsonToken value) throws IOException;
    }

    /** Calls {@code reader} for each field of the object that starts at {@code value}; null and other values are skipped. */
    private static void forEachField(JsonParser p, JsonToken value, FieldReader reader) throws IOException {
        if (value != JsonToken.START_OBJECT) {
            p.skipChildren();
            return;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            reader.read(field, p.nextToken());
        }
    }
}
