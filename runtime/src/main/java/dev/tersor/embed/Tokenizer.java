package dev.tersor.embed;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Text to token ids, as a Hugging Face {@code tokenizer.json} says (normalizer, pre-tokenizer,
 * model, special tokens), through DJL's binding of the Rust {@code tokenizers} library. The native
 * library comes from the DJL jar itself (copied once into DJL's cache directory); nothing is
 * downloaded.
 *
 * <p>Truncation follows the tokenizer.json ({@code truncation.max_length}, 128 for all-MiniLM-L6-v2);
 * a tokenizer.json without truncation is cut at {@code defaultMaxTokens}, the size of BERT's
 * position table unless the caller says otherwise. The file's own padding (MiniLM's forces 128) is
 * ignored: {@link #encode(List)} pads to the longest text of the batch, which gives the same
 * embeddings and costs less. Thread-safe; closing waits for calls in progress.
 *
 * <p>This is the seam for code that needs token ids without embeddings, such as calibration.
 */
public final class Tokenizer implements AutoCloseable {

    /** Tokens kept when tokenizer.json does not truncate: BERT-style models have 512 positions. */
    public static final int DEFAULT_MAX_TOKENS = 512;

    private final HuggingFaceTokenizer tokenizer;
    private final int maxTokens;
    private final long padId;
    private final long maxTokenId;
    private final java.util.Set<Long> specialIds;
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean closed;

    /** {@code forcedMaxTokens} replaces the file's truncation length when positive. */
    private Tokenizer(byte[] json, int defaultMaxTokens, int forcedMaxTokens) {
        TokenizerJson settings = TokenizerJson.read(json);
        this.maxTokens = forcedMaxTokens > 0 ? forcedMaxTokens : settings.maxLength() > 0 ? settings.maxLength() : defaultMaxTokens;
        this.padId = settings.padId();
        this.maxTokenId = Math.max(settings.maxTokenId(), padId);
        this.specialIds = settings.specialIds();
        if (maxTokens <= settings.specialTokens()) {
            throw new InvalidTokenizerException("tokenizer.json truncates to " + maxTokens + " tokens, too few for its "
                    + settings.specialTokens() + " special tokens and any text");
        }
        try {
            this.tokenizer = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json), Map.of(
                    "addSpecialTokens", "true",
                    "truncation", "true",
                    "padding", "false",
                    "maxLength", Integer.toString(maxTokens)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            throw new InvalidTokenizerException("not a usable tokenizer.json: " + e.getMessage(), e);
        }
    }

    /** Reads a {@code tokenizer.json} file; a file the native tokenizer cannot use safely is an {@link InvalidTokenizerException}. */
    public static Tokenizer load(Path tokenizerJson) throws IOException {
        return new Tokenizer(Files.readAllBytes(tokenizerJson), DEFAULT_MAX_TOKENS, 0);
    }

    /**
     * The text of a {@code tokenizer.json} file after checking that a tokenizer can be built from it
     * safely; what a container stores (see {@link Embedder#TOKENIZER_METADATA}).
     *
     * @throws InvalidTokenizerException if the file is missing, not UTF-8 or not a usable tokenizer
     */
    public static String readChecked(Path tokenizerJson) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(tokenizerJson);
        } catch (NoSuchFileException e) {
            throw new InvalidTokenizerException("tokenizer " + tokenizerJson + " does not exist", e);
        } catch (IOException e) {
            throw new InvalidTokenizerException("cannot read tokenizer " + tokenizerJson
                    + (Files.isDirectory(tokenizerJson) ? ": it is a directory" : ": " + e.getMessage()), e);
        }
        try {
            String text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
            fromJson(bytes).close();
            return text;
        } catch (CharacterCodingException e) {
            throw new InvalidTokenizerException("tokenizer " + tokenizerJson + " is not UTF-8 text", e);
        } catch (InvalidTokenizerException e) {
            throw new InvalidTokenizerException(tokenizerJson + ": " + e.getMessage(), e);
        }
    }

    /** A tokenizer from the bytes of a {@code tokenizer.json} (for example one stored in a .tsr file). */
    public static Tokenizer fromJson(byte[] tokenizerJson) {
        return fromJson(tokenizerJson, DEFAULT_MAX_TOKENS);
    }

    /** As {@link #fromJson(byte[])}, cutting at {@code defaultMaxTokens} when the file does not truncate. */
    public static Tokenizer fromJson(byte[] tokenizerJson, int defaultMaxTokens) {
        Objects.requireNonNull(tokenizerJson, "tokenizerJson");
        if (defaultMaxTokens < 2) {
            throw new IllegalArgumentException("defaultMaxTokens must leave room for two special tokens: " + defaultMaxTokens);
        }
        return new Tokenizer(tokenizerJson, defaultMaxTokens, 0);
    }

    /**
     * As {@link #fromJson(byte[])}, cutting at {@code maxTokens} whatever the file says: a
     * sentence-transformers model's {@code max_seq_length} overrides its tokenizer.json (256 against
     * 128 for all-MiniLM-L6-v2), as sentence-transformers itself does.
     */
    public static Tokenizer fromJsonTruncatingAt(byte[] tokenizerJson, int maxTokens) {
        Objects.requireNonNull(tokenizerJson, "tokenizerJson");
        if (maxTokens < 2) {
            throw new IllegalArgumentException("maxTokens must leave room for two special tokens: " + maxTokens);
        }
        return new Tokenizer(tokenizerJson, maxTokens, maxTokens);
    }

    /** Most tokens per text, special tokens included; longer texts are truncated. */
    public int maxTokens() {
        return maxTokens;
    }

    /** The largest token id this tokenizer can produce (vocabulary, added tokens, padding). */
    public long maxTokenId() {
        return maxTokenId;
    }

    /** The token ids of one text, special tokens included, truncated to {@link #maxTokens()}. */
    public long[] encode(String text) {
        Objects.requireNonNull(text, "text");
        acquire();
        try {
            return tokenizer.encode(text).getIds();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Every id up to {@link #maxTokenId()} but the special tokens' ([PAD], [CLS], [SEP], [MASK] …), ascending. */
    public long[] ordinaryIds() {
        return java.util.stream.LongStream.rangeClosed(0, maxTokenId).filter(id -> !specialIds.contains(id)).toArray();
    }

    /**
     * The ids this tokenizer puts around a text's own tokens, as {@code {before, after}}: [CLS] and
     * [SEP] for BERT. Read off the encoding of a one-letter text, whose special tokens the library marks.
     */
    public long[][] framing() {
        acquire();
        Encoding encoding;
        try {
            encoding = tokenizer.encode("a");
        } finally {
            lock.readLock().unlock();
        }
        long[] ids = encoding.getIds();
        long[] special = encoding.getSpecialTokenMask();
        int before = 0;
        while (before < ids.length && special[before] == 1) {
            before++;
        }
        int after = ids.length;
        while (after > before && special[after - 1] == 1) {
            after--;
        }
        return new long[][]{java.util.Arrays.copyOfRange(ids, 0, before), java.util.Arrays.copyOfRange(ids, after, ids.length)};
    }

    /**
     * Already tokenized texts (special tokens included) as one batch, padded to the longest with this
     * tokenizer's padding id; token type 0 throughout, as for a single text.
     */
    public TokenBatch batch(List<long[]> sequences) {
        int length = 0;
        for (long[] sequence : sequences) {
            Objects.requireNonNull(sequence, "sequences holds null");
            if (sequence.length > maxTokens) {
                throw new IllegalArgumentException("a sequence of " + sequence.length + " tokens; this tokenizer keeps at most " + maxTokens);
            }
            length = Math.max(length, sequence.length);
        }
        int size = sequences.size();
        long[] ids = new long[size * length];
        long[] mask = new long[size * length];
        java.util.Arrays.fill(ids, padId);
        for (int i = 0; i < size; i++) {
            long[] sequence = sequences.get(i);
            System.arraycopy(sequence, 0, ids, i * length, sequence.length);
            java.util.Arrays.fill(mask, i * length, i * length + sequence.length, 1L);
        }
        return new TokenBatch(size, length, ids, mask, new long[size * length]);
    }

    /** Token ids for several texts, padded to the longest of them; texts too long are truncated. */
    public TokenBatch encode(List<String> texts) {
        return encode(texts, true);
    }

    /**
     * Token ids for several texts, padded to the longest of them. A text longer than
     * {@link #maxTokens()} is truncated when {@code truncate} is true, else it is a
     * {@link TextTooLongException} naming the first such text.
     */
    public TokenBatch encode(List<String> texts, boolean truncate) {
        for (String text : texts) {
            Objects.requireNonNull(text, "texts holds null");
        }
        Encoding[] encodings;
        acquire();
        try {
            encodings = texts.isEmpty() ? new Encoding[0] : tokenizer.batchEncode(texts);
        } finally {
            lock.readLock().unlock();
        }
        int length = 0;
        for (int i = 0; i < encodings.length; i++) {
            if (!truncate && encodings[i].exceedMaxLength()) {
                throw new TextTooLongException(i, maxTokens);
            }
            length = Math.max(length, encodings[i].getIds().length);
        }
        int size = encodings.length;
        long[] ids = new long[size * length];
        long[] mask = new long[size * length];
        long[] types = new long[size * length];
        java.util.Arrays.fill(ids, padId);
        for (int i = 0; i < size; i++) {
            long[] id = encodings[i].getIds();
            long[] type = encodings[i].getTypeIds();
            System.arraycopy(id, 0, ids, i * length, id.length);
            System.arraycopy(type, 0, types, i * length, type.length);
            java.util.Arrays.fill(mask, i * length, i * length + id.length, 1L);
        }
        return new TokenBatch(size, length, ids, mask, types);
    }

    private void acquire() {
        lock.readLock().lock();
        if (closed) {
            lock.readLock().unlock();
            throw new IllegalStateException("tokenizer is closed");
        }
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                tokenizer.close();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }
}
