package dev.tersor.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.tersor.cli.corpus.BroadText;
import dev.tersor.cli.corpus.Corpus;
import dev.tersor.cli.corpus.Fortunes;
import dev.tersor.cli.corpus.MavenArtifacts;
import dev.tersor.cli.corpus.PackageDescriptions;
import dev.tersor.cli.corpus.SourceUnavailableException;
import dev.tersor.embed.Embedder;
import dev.tersor.embed.EmbeddingComparison;
import dev.tersor.embed.RandomTokens;
import dev.tersor.embed.SentenceFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** Compares a model's embeddings with a reference model's over each built-in corpus, or over one file. */
@Command(name = "eval-embed", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Compare a model's sentence embeddings with a reference model's, per corpus: mean, minimum and "
                + "first-percentile cosine between the paired vectors, and the overlap of each sentence's 10 nearest "
                + "neighbours within the corpus under the two models. By default over the held-out shares of three broad "
                + "English corpora, the narrow raw_sentences.txt when it is in the cache, and random token sequences that "
                + "reach every row of the embedding table; --corpus FILE for your own text.")
final class EvalEmbedCommand implements Runnable {

    /** Most sentences compared: past it the neighbour overlap's N² comparisons take hours. */
    static final int MAX_SENTENCES = 100_000;

    /** The built-in corpora, in report order. */
    enum Source {
        EUROPARL("europarl", BroadText.NAME),
        FORTUNES("fortunes", Fortunes.NAME),
        PACKAGE_DESCRIPTIONS("package-descriptions", PackageDescriptions.NAME),
        RAW_SENTENCES("raw-sentences", "raw_sentences.txt (narrow: 251 distinct words)"),
        RANDOM_TOKENS("random-tokens", RandomTokens.NAME);

        final String id;
        final String title;

        Source(String id, String title) {
            this.id = id;
            this.title = title;
        }

        static Source of(String id) {
            for (Source source : values()) {
                if (source.id.equals(id.strip())) {
                    return source;
                }
            }
            throw new IllegalArgumentException("--corpora: no corpus '" + id.strip() + "'; the corpora are " + ids());
        }

        static String ids() {
            return Arrays.stream(values()).map(s -> s.id).collect(Collectors.joining(", "));
        }
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "MODEL", description = "The model to evaluate (.tsr or .onnx).")
    Path model;

    @Option(names = "--reference", required = true, paramLabel = "MODEL", description = "The reference model, e.g. the fp32 original.")
    Path reference;

    @Option(names = "--corpus", paramLabel = "FILE",
            description = "Compare over this file's sentences (one a line) instead of the built-in corpora.")
    Path corpus;

    @Option(names = "--corpora", split = ",", paramLabel = "NAME",
            description = "Built-in corpora to compare over, comma-separated: europarl (the Europarl proceedings in "
                    + "Lucene's test framework, fetched with Maven), fortunes and package-descriptions (Debian's, fetched "
                    + "with apt), raw-sentences (narrow; used when already in the cache), random-tokens (uniform over the "
                    + "vocabulary's ordinary ids). Default: all of them, a corpus that cannot be fetched then being skipped "
                    + "with a note; a corpus named here must be there.")
    List<String> corpora;

    @Option(names = "--limit", defaultValue = "1000",
            description = "Sentences per corpus: the first N of a file, up to N of a built-in corpus's held-out share "
                    + "(at most 2,000 of fortunes and package descriptions). Default: ${DEFAULT-VALUE}.")
    int limit;

    @Option(names = "--reference-tokenizer", paramLabel = "tokenizer.json",
            description = "The reference's tokenizer, when it is not found as for the model (default: --tokenizer, else found).")
    Path referenceTokenizer;

    @Option(names = "--json", description = "Print JSON: corpora (per corpus: corpus, title, sentences, meanCosine, minCosine, p1Cosine, "
                    + "top10Overlap) and skipped (corpus, reason).")
    boolean json;

    @Mixin
    EmbeddingOptions embedding;

    /** One corpus's figures. */
    record Row(String id, String title, EmbeddingComparison comparison) {
    }

    /** A corpus left out of the report, and why. */
    record Skipped(String id, String title, String reason) {
    }

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        Arguments.inRange("--limit", limit, 1, MAX_SENTENCES);
        if (corpus != null && corpora != null) {
            throw new IllegalArgumentException("--corpus and --corpora exclude each other: one file, or built-in corpora");
        }
        List<Source> sources = corpora == null ? List.of(Source.values()) : corpora.stream().map(Source::of).distinct().toList();
        try {
            // the file first: a bad one fails before two models load
            List<String> fileSentences = corpus == null ? null : fileSentences();
            Path cache = MavenArtifacts.cacheDir();
            Path refTokenizer = referenceTokenizer != null ? referenceTokenizer : embedding.tokenizer();
            List<Row> rows = new ArrayList<>();
            List<Skipped> skipped = new ArrayList<>();
            try (Embedder evaluated = Embedder.load(model, embedding.tokenizer(), embedding.embedderOptions());
                 Embedder ref = Embedder.load(reference, refTokenizer, embedding.embedderOptions())) {
                if (fileSentences != null) {
                    rows.add(new Row("file", corpus.toString(), EmbeddingComparison.of(evaluated, ref, fileSentences)));
                }
                for (Source source : fileSentences != null ? List.<Source>of() : sources) {
                    try {
                        rows.add(new Row(source.id, source.title, compare(source, cache, evaluated, ref)));
                    } catch (SourceUnavailableException e) {
                        if (corpora != null) {
                            throw e;
                        }
                        skipped.add(new Skipped(source.id, source.title, e.getMessage()));
                    }
                }
            }
            if (json) {
                printJson(out, rows, skipped);
            } else {
                printTable(out, rows, skipped);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<String> fileSentences() throws IOException {
        List<String> sentences = SentenceFile.read(Arguments.inputFile("--corpus", corpus), limit);
        if (sentences.isEmpty()) {
            throw new IllegalArgumentException(corpus + " holds no sentences");
        }
        return sentences;
    }

    private EmbeddingComparison compare(Source source, Path cache, Embedder evaluated, Embedder ref) throws IOException {
        return switch (source) {
            case EUROPARL -> EmbeddingComparison.of(evaluated, ref, BroadText.evaluation(cache, limit));
            case FORTUNES -> EmbeddingComparison.of(evaluated, ref, Fortunes.evaluation(cache, limit));
            case PACKAGE_DESCRIPTIONS -> EmbeddingComparison.of(evaluated, ref, PackageDescriptions.evaluation(cache, limit));
            case RAW_SENTENCES -> EmbeddingComparison.of(evaluated, ref, SentenceFile.read(rawSentences(cache), limit));
            case RANDOM_TOKENS -> randomTokens(evaluated, ref);
        };
    }

    /** One draw of ids fed to both models, which must therefore read the same ids as the same rows. */
    private EmbeddingComparison randomTokens(Embedder evaluated, Embedder ref) throws SourceUnavailableException {
        if (!Arrays.equals(evaluated.tokenizer().ordinaryIds(), ref.tokenizer().ordinaryIds())
                || !Arrays.deepEquals(evaluated.tokenizer().framing(), ref.tokenizer().framing())) {
            throw new SourceUnavailableException("the two models' tokenizers have different vocabularies");
        }
        List<long[]> sequences = RandomTokens.sequences(evaluated.tokenizer(), limit, RandomTokens.SEED);
        return EmbeddingComparison.of(evaluated.embedTokens(sequences), ref.embedTokens(sequences));
    }

    /**
     * raw_sentences.txt when the cache or the local Maven repository already has it: it is only the
     * narrow contrast to the broad corpora, not worth fetching a 95 MB artifact for.
     */
    private static Path rawSentences(Path cache) throws IOException {
        Path cached = cache.resolve("corpus").resolve(Corpus.ENTRY);
        if (Files.isRegularFile(cached)
                || Files.isRegularFile(MavenArtifacts.localJar(Corpus.GROUP, Corpus.ARTIFACT, Corpus.VERSION))) {
            return Corpus.rawSentences(cache);
        }
        throw new SourceUnavailableException("not in the cache (" + cached + "); the runtime's test build fetches it");
    }

    private void printTable(PrintWriter out, List<Row> rows, List<Skipped> skipped) {
        out.printf(Locale.ROOT, "%s against %s%n", model, reference);
        int width = Math.max(44, rows.stream().mapToInt(r -> r.title().length()).max().orElse(0));
        out.printf(Locale.ROOT, "%-" + width + "s %9s %9s %9s %9s %8s%n", "corpus", "sentences", "mean cos", "min cos",
                "1% cos", "top-10");
        for (Row row : rows) {
            EmbeddingComparison c = row.comparison();
            out.printf(Locale.ROOT, "%-" + width + "s %9d %9.5f %9.5f %9.5f %8.4f%n", row.title(), c.sentences(),
                    c.meanCosine(), c.minCosine(), c.p1Cosine(), c.top10Overlap());
        }
        for (Skipped s : skipped) {
            out.printf(Locale.ROOT, "skipped %s: %s%n", s.title(), s.reason());
        }
    }

    private static void printJson(PrintWriter out, List<Row> rows, List<Skipped> skipped) throws IOException {
        try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeArrayFieldStart("corpora");
            for (Row row : rows) {
                EmbeddingComparison c = row.comparison();
                g.writeStartObject();
                g.writeStringField("corpus", row.id());
                g.writeStringField("title", row.title());
                g.writeNumberField("sentences", c.sentences());
                g.writeNumberField("meanCosine", c.meanCosine());
                g.writeNumberField("minCosine", c.minCosine());
                g.writeNumberField("p1Cosine", c.p1Cosine());
                g.writeNumberField("top10Overlap", c.top10Overlap());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeArrayFieldStart("skipped");
            for (Skipped s : skipped) {
                g.writeStartObject();
                g.writeStringField("corpus", s.id());
                g.writeStringField("reason", s.reason());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        out.println();
    }
}
