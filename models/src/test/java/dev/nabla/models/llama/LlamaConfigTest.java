package dev.nabla.models.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LlamaConfigTest {

  @Test void tinyIsW3() {
    LlamaConfig c = LlamaConfig.tiny();
    assertEquals(512, c.vocabSize());
    assertEquals(256, c.hiddenSize());
    assertEquals(688, c.intermediateSize());
    assertEquals(4, c.numHiddenLayers());
    assertEquals(8, c.numAttentionHeads());
    assertEquals(4, c.numKeyValueHeads());
    assertEquals(32, c.headDim());
    assertEquals(1e-5, c.rmsNormEps());
    assertEquals(10_000, c.ropeTheta());
    assertTrue(c.maxPositionEmbeddings() >= 128);
    assertFalse(c.tieWordEmbeddings());
    assertEquals(3_164_416, c.numParameters());
  }

  @Test void invalidConfigsFailWithTheRule() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> new LlamaConfig(512, 250, 688, 4, 8, 4, 1e-5, 1e4, 256, false));
    assertEquals("LlamaConfig: hiddenSize (250) must be divisible by numAttentionHeads (8)",
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new LlamaConfig(512, 256, 688, 4, 8, 3, 1e-5, 1e4, 256, false));
    assertEquals("LlamaConfig: numKeyValueHeads (3) must divide numAttentionHeads (8)",
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new LlamaConfig(0, 256, 688, 4, 8, 4, 1e-5, 1e4, 256, false));
    assertEquals("LlamaConfig: vocabSize must be > 0, got 0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> LlamaConfig.tiny().withHeads(8, 0));
    assertEquals("LlamaConfig: numKeyValueHeads must be > 0, got 0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new LlamaConfig(512, 24, 688, 4, 8, 4, 1e-5, 1e4, 256, false));
    assertTrue(e.getMessage().contains("must be even for RoPE"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> LlamaConfig.tiny().withRmsNormEps(0));
    assertThrows(IllegalArgumentException.class, () -> LlamaConfig.tiny().withRopeTheta(1));
    assertThrows(IllegalArgumentException.class,
        () -> LlamaConfig.tiny().withMaxPositionEmbeddings(-1));
  }

  @Test void jsonRoundTripsInHuggingFaceShape() throws IOException {
    LlamaConfig c = new LlamaConfig(1000, 64, 172, 3, 4, 2, 1e-6, 500_000, 512, true);
    String json = c.toJson();
    JsonNode n = new ObjectMapper().readTree(json);
    assertEquals("LlamaForCausalLM", n.get("architectures").get(0).asText());
    assertEquals("llama", n.get("model_type").asText());
    assertEquals(1000, n.get("vocab_size").asInt());
    assertEquals(2, n.get("num_key_value_heads").asInt());
    assertEquals(500_000, n.get("rope_theta").asDouble());
    assertTrue(n.get("tie_word_embeddings").asBoolean());
    assertEquals(c, LlamaConfig.fromJson(json));
  }

  @Test void readsHuggingFaceConfigsIgnoringUnknownKeys() throws IOException {
    LlamaConfig c = LlamaConfig.load(Fixtures.dir("tied"));   // has bos/eos ids, torch_dtype, …
    assertEquals(new LlamaConfig(96, 64, 128, 2, 4, 1, 1e-6, 500_000, 64, true), c);
    // HF's defaults for missing optional keys
    LlamaConfig d = LlamaConfig.fromJson("{\"vocab_size\": 32000, \"hidden_size\": 4096,"
        + " \"intermediate_size\": 11008, \"num_hidden_layers\": 32, \"num_attention_heads\": 32,"
        + " \"foo\": [1, 2]}");
    assertEquals(new LlamaConfig(32000, 4096, 11008, 32, 32, 32, 1e-6, 10_000, 2048, false), d);
  }

  @Test void unsupportedOrMalformedJsonFails() {
    String base = "\"vocab_size\": 10, \"hidden_size\": 8, \"intermediate_size\": 8,"
        + " \"num_hidden_layers\": 1, \"num_attention_heads\": 2";
    var e = assertThrows(IllegalArgumentException.class,
        () -> LlamaConfig.fromJson("{\"vocab_size\": 10}"));
    assertEquals("LlamaConfig: config.json has no 'hidden_size'", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> LlamaConfig.fromJson("{" + base + ", \"model_type\": \"gpt2\"}"));
    assertEquals("LlamaConfig: unsupported model_type 'gpt2' (expected 'llama')", e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> LlamaConfig.fromJson("{" + base + ", \"hidden_act\": \"gelu\"}"));
    assertThrows(IllegalArgumentException.class,
        () -> LlamaConfig.fromJson("{" + base + ", \"attention_bias\": true}"));
    assertThrows(IllegalArgumentException.class, () -> LlamaConfig.fromJson(
        "{" + base + ", \"rope_scaling\": {\"type\": \"linear\", \"factor\": 2.0}}"));
    assertThrows(IllegalArgumentException.class,
        () -> LlamaConfig.fromJson("{" + base + ", \"head_dim\": 8}"));
    e = assertThrows(IllegalArgumentException.class,
        () -> LlamaConfig.fromJson("{" + base + ", \"num_key_value_heads\": 1.5}"));
    assertTrue(e.getMessage().contains("'num_key_value_heads' must be an integer"));
    e = assertThrows(IllegalArgumentException.class, () -> LlamaConfig.fromJson("{oops"));
    assertTrue(e.getMessage().startsWith("LlamaConfig: malformed config.json"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> LlamaConfig.fromJson("{" + base.replace("\"num_attention_heads\": 2",
            "\"num_attention_heads\": 3") + "}"));
    assertTrue(e.getMessage().contains("must be divisible by numAttentionHeads (3)"));
  }

  @Test void saveIsAtomicAndLeavesNoTemporaryFiles(@TempDir Path dir) throws IOException {
    LlamaConfig.tiny().save(dir);
    LlamaConfig.tiny().withVocabSize(300).save(dir.resolve("config.json"));
    assertEquals(300, LlamaConfig.load(dir).vocabSize());
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(1, files.count());
    }
  }
}
