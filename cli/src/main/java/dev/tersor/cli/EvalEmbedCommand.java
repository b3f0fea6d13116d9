package dev.tersor.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.tersor.embed.BroadText;
import dev.tersor.embed.Corpus;
import dev.tersor.embed.Embedder;
import dev.tersor.embed.EmbeddingComparison;
import dev.tersor.io.MavenArtifacts;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Compares a model's embeddings with a reference model's over a corpus. */
@Command(name = "eval-embed", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Compare a model's sentence embeddings with a reference model's over a corpus (one sentence a line):",
                "mean and minimum cosine between the paired vectors, and the overlap of each sentence's 10 nearest",
                "neighbours within the corpus under the two models."})
final class EvalEmbedCommand implements Runnable {

    /** Most sentences compared: past it the neighbour overlap's N² comparisons take hours. */
    static final int MAX_SENTENCES = 100_000;

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "MODEL", description = "The model to evaluate (.tsr or .onnx).")
    Path model;

    @Option(names = "--reference", required = true, paramLabel = "MODEL", description = "The reference model, e.g. the fp32 original.")
    Path reference;

    @Option(names = "--corpus", paramLabel = "FILE",
            description = {"Sentences, one a line. Default: broad English text, the held-out share of the Europarl "
                    + "proceedings in Lucene's test framework (fetched with Maven into the cache).",
                    "The narrow raw_sentences.txt (251 distinct words) is in the cache as corpus/raw_sentences.txt."})
    Path corpus;

    @Option(names = "--limit", defaultValue = "1000", description = "Use the first N distinct sentences. Default: ${DEFAULT-VALUE}.")
    int limit;

    @Option(names = "--reference-tokenizer", paramLabel = "tokenizer.json",
            description = "The reference's tokenizer, when it is not found as for the model (default: --tokenizer, else found).")
    Path referenceTokenizer;

    @Option(names = "--json", description = "Print JSON: meanCosine, minCosine, top10Overlap, sentences.")
    boolean json;

    @Mixin
    EmbeddingOptions embedding;

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        Arguments.inRange("--limit", limit, 1, MAX_SENTENCES);
        try {
            String source = corpus != null ? corpus.toString() : BroadText.NAME;
            List<String> sentences = corpus != null ? Corpus.read(Arguments.inputFile("--corpus", corpus), limit)
                    : BroadText.evaluation(MavenArtifacts.cacheDir(), limit);
            if (sentences.isEmpty()) {
                throw new IllegalArgumentException(source + " holds no sentences");
            }
            Path refTokenizer = referenceTokenizer != null ? referenceTokenizer : embedding.tokenizer;
            EmbeddingComparison result;
            try (Embedder evaluated = Embedder.load(model, embedding.tokenizer, embedding.embedderOptions());
                 Embedder ref = Embedder.load(reference, refTokenizer, embedding.embedderOptions())) {
                result = EmbeddingComparison.of(evaluated, ref, sentences);
            }
            if (json) {
                try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
                    g.writeStartObject();
                    g.writeNumberField("meanCosine", result.meanCosine());
                    g.writeNumberField("minCosine", result.minCosine());
                    g.writeNumberField("top10Overlap", result.top10Overlap());
                    g.writeNumberField("sentences", result.sentences());
                    g.writeEndObject();
                }
                out.println();
            } else {
                out.printf(Locale.ROOT, "%s against %s over %d sentences of %s%n", model, reference, result.sentences(), source);
                out.printf(Locale.ROOT, "mean cosine     %.5f%n", result.meanCosine());
                out.printf(Locale.ROOT, "min cosine      %.5f%n", result.minCosine());
                out.printf(Locale.ROOT, "top-10 overlap  %.4f%n", result.top10Overlap());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
