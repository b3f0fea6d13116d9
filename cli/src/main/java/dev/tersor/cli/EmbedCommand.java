package dev.tersor.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.tersor.embed.Embedder;
import dev.tersor.embed.HuggingFaceCache;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.List;

/** Prints sentence embeddings as JSON. */
@Command(name = "embed", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Embed sentences with a sentence-embedding model (.tsr, .onnx, a Hugging Face model folder, or a model id "
                + "already in the Hugging Face cache) and print the vectors as JSON.")
final class EmbedCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "MODEL",
            description = "A .tsr file, an ONNX model, a Hugging Face model folder, or the id (org/name) of a model in the "
                    + "offline Hugging Face cache ($HF_HUB_CACHE or $HF_HOME/hub); nothing is downloaded.")
    String model;

    @Mixin
    EmbeddingOptions embedding;

    @Parameters(arity = "1..*", paramLabel = "SENTENCE", description = "The texts to embed.")
    List<String> sentences;

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        try (Embedder embedder = Embedder.load(HuggingFaceCache.fromEnvironment().locate(model), embedding.tokenizer(),
                embedding.embedderOptions())) {
            float[][] vectors = embedder.embed(sentences);
            try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
                g.writeStartObject();
                g.writeStringField("model", model);
                g.writeNumberField("dimension", vectors.length == 0 ? 0 : vectors[0].length);
                g.writeArrayFieldStart("embeddings");
                for (int i = 0; i < vectors.length; i++) {
                    g.writeRaw('\n');
                    g.writeStartObject();
                    g.writeStringField("text", sentences.get(i));
                    g.writeArrayFieldStart("vector");
                    for (float x : vectors[i]) {
                        g.writeNumber(x);
                    }
                    g.writeEndArray();
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            out.println();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
