package dev.nabla.models.llama;

import static dev.nabla.models.llama.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.ShapeMismatchException;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradMode;
import dev.nabla.core.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Structure, HF names, the KV-cache path and the error messages of {@link Llama}. */
class LlamaTest {

  /** A small GQA model: vocab 64, hidden 32, 2 layers, 4 heads / 2 KV heads, 24 positions. */
  static LlamaConfig small() {
    return new LlamaConfig(64, 32, 48, 2, 4, 2, 1e-5, 10_000, 24, false);
  }

  static Tensor ids(Rng rng, int vocab, int b, int t) {
    return Tensor.randint(rng, 0, vocab, b, t);
  }

  @Test void stateDictHasHuggingFaceNamesInOrder() {
    Llama m = new Llama(small(), new Rng(0));
    List<String> expected = new ArrayList<>();
    expected.add("model.embed_tokens.weight");
    for (int i = 0; i < 2; i++) {
      String p = "model.layers." + i + ".";
      for (String s : new String[] {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
          "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj", "input_layernorm",
          "post_attention_layernorm"}) {
        expected.add(p + s + ".weight");
      }
    }
    expected.add("model.norm.weight");
    expected.add("lm_head.weight");
    Map<String, Tensor> sd = m.stateDict();
    assertEquals(expected, new ArrayList<>(sd.keySet()));
    assertArrayEquals(new int[] {16, 32}, sd.get("model.layers.1.self_attn.k_proj.weight").shape().toArray());
    assertArrayEquals(new int[] {48, 32}, sd.get("model.layers.0.mlp.gate_proj.weight").shape().toArray());
    assertEquals(small().numParameters(), m.numParameters(false));
  }

  @Test void tinyPresetIsTheW3Model() {
    Llama m = new Llama(LlamaConfig.tiny(), new Rng(0));
    assertEquals(3_164_416, m.numParameters(false));   // the count torch_ref.py prints
    // HF init: N(0, 0.02) for Linear and Embedding weights, ones for the norms
    double[] w = m.layers().get(2).mlp().upProj().weight().toDoubleArray();
    double s = 0;
    for (double v : w) {
      s += v * v;
    }
    assertEquals(0.02, Math.sqrt(s / w.length), 0.0005);
    assertEquals(1.0, m.norm().weight().toDoubleArray()[7]);
  }

  @Test void tiedHeadIsTheEmbeddingAndGetsBothGradients() {
    Llama m = new Llama(small().withTieWordEmbeddings(true), new Rng(1));
    assertTrue(!m.stateDict().containsKey("lm_head.weight"));
    assertEquals(small().withTieWordEmbeddings(true).numParameters(), m.numParameters(false));
    Tensor x = ids(new Rng(2), 64, 2, 5);
    Tensor logits = m.forward(x);
    try (var off = GradMode.disabled()) {
      Tensor h = m.hiddenStates(x, null);
      assertClose("tied head", h.matmul(m.embedTokens().weight().t()), logits, 1e-6, 0);
    }
    m.nextTokenLoss(x).backward();
    assertNotNull(m.embedTokens().weight().grad());
  }

  @Test void cachedDecodingEqualsRecomputingTheSequence() {
    Llama m = new Llama(small(), new Rng(3));
    Rng rng = new Rng(4);
    Tensor seq = ids(rng, 64, 2, 12);
    try (var off = GradMode.disabled()) {
      Tensor full = m.forward(seq);                                 // [2, 12, 64]
      Llama.Cache cache = m.newCache(2, 16);
      // a prompt of 5, then chunks of 1, 1, 3 and 2: every split must give the same logits
      int[] chunks = {5, 1, 1, 3, 2};
      int at = 0;
      for (int n : chunks) {
        Tensor step = m.forward(seq.narrow(1, at, n).contiguous(), cache);
        assertClose("positions " + at + ".." + (at + n - 1), full.narrow(1, at, n), step, 2e-5,
            1e-5);
        at += n;
        assertEquals(at, cache.length());
      }
      cache.reset();
      assertEquals(0, cache.length());
      assertClose("after reset", full.narrow(1, 0, 4), m.forward(seq.narrow(1, 0, 4).contiguous(),
          cache), 2e-5, 1e-5);
    }
  }

  @Test void tokenIdsOutsideTheVocabularyFail() {
    Llama m = new Llama(small(), new Rng(0));
    Tensor bad = Tensor.of(new long[] {1, 2, 64, 3}, 2, 2);
    var e = assertThrows(IllegalArgumentException.class, () -> m.forward(bad));
    assertEquals("Llama: token id 64 at [1, 0] is out of range [0, 64) (vocabSize 64)",
        e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> m.forward(Tensor.of(new long[] {-1}, 1, 1)));
    var f = assertThrows(IllegalArgumentException.class,
        () -> m.forward(Tensor.of(new float[] {1, 2}, 1, 2)));
    assertTrue(f.getMessage().contains("integer token ids"), f.getMessage());
    var g = assertThrows(IllegalArgumentException.class,
        () -> m.forward(Tensor.of(new long[] {1, 2}, 2)));
    assertTrue(g.getMessage().contains("[B, T]"), g.getMessage());
  }

  @Test void sequencesLongerThanMaxPositionsFail() {
    Llama m = new Llama(small(), new Rng(0));
    var e = assertThrows(IllegalArgumentException.class,
        () -> m.forward(Tensor.zeros(DType.I64, 1, 25)));
    assertEquals("Llama: a sequence of 25 positions exceeds maxPositionEmbeddings (24)",
        e.getMessage());
    Llama.Cache cache = m.newCache(1, 24);
    try (var off = GradMode.disabled()) {
      m.forward(Tensor.zeros(DType.I64, 1, 20), cache);
      var f = assertThrows(IllegalArgumentException.class,
          () -> m.forward(Tensor.zeros(DType.I64, 1, 5), cache));
      assertEquals("Llama: 20 cached + 5 new positions exceeds maxPositionEmbeddings (24)",
          f.getMessage());
      assertEquals(20, cache.length());   // nothing was appended
    }
    assertThrows(IllegalArgumentException.class, () -> m.newCache(1, 25));
  }

  @Test void savePretrainedRoundTrips(@TempDir Path dir) throws IOException {
    Llama m = new Llama(small(), new Rng(5));
    m.savePretrained(dir);
    assertTrue(Files.isRegularFile(dir.resolve("config.json")));
    Llama back = Llama.fromPretrained(dir);
    assertEquals(m.config(), back.config());
    Tensor x = ids(new Rng(6), 64, 1, 7);
    try (var off = GradMode.disabled()) {
      assertClose("reloaded", m.forward(x), back.forward(x), 0, 0);
    }
  }

  @Test void tiedCheckpointsMayCarryTheDuplicateHead(@TempDir Path dir) throws IOException {
    Llama m = new Llama(small().withTieWordEmbeddings(true), new Rng(7));
    Map<String, Tensor> sd = new LinkedHashMap<>(m.stateDict());
    sd.put("lm_head.weight", m.embedTokens().weight());       // as HF's state_dict() has it
    sd.put("model.layers.0.self_attn.rotary_emb.inv_freq", Tensor.ones(4));   // old HF buffer
    Path f = dir.resolve("model.safetensors");
    SafeTensors.save(f, sd);
    Llama back = Llama.fromPretrained(m.config(), f);
    assertClose("embedding", m.embedTokens().weight(), back.embedTokens().weight(), 0, 0);
  }

  @Test void checkpointOfTheWrongShapeFails(@TempDir Path dir) throws IOException {
    new Llama(small(), new Rng(0)).save(dir.resolve("model.safetensors"));
    small().withHiddenSize(64, 48).save(dir.resolve("config.json"));
    var e = assertThrows(ShapeMismatchException.class, () -> Llama.fromPretrained(dir));
    assertTrue(e.getMessage().contains("Size mismatch for model.embed_tokens.weight: checkpoint"
        + " [64, 32] vs model [64, 64]"), e.getMessage());
    assertTrue(e.getMessage().startsWith("Llama.fromPretrained("), e.getMessage());

    // a missing tensor: fewer layers in the file than in the config
    small().withNumHiddenLayers(3).save(dir.resolve("config.json"));
    var f = assertThrows(ShapeMismatchException.class, () -> Llama.fromPretrained(dir));
    assertTrue(f.getMessage().contains("Missing key(s): model.layers.2.self_attn.q_proj.weight"),
        f.getMessage());
  }

  @Test void missingFilesFailClearly(@TempDir Path dir) throws IOException {
    small().save(dir.resolve("config.json"));
    var e = assertThrows(IOException.class, () -> Llama.fromPretrained(dir));
    assertTrue(e.getMessage().contains("neither model.safetensors nor"), e.getMessage());
    assertThrows(IOException.class, () -> Llama.fromPretrained(dir.resolve("nope")));
  }

  @Test void shardedCheckpointsLoadThroughTheIndex(@TempDir Path dir) throws IOException {
    Llama m = new Llama(small(), new Rng(8));
    Map<String, Tensor> a = new LinkedHashMap<>();
    Map<String, Tensor> b = new LinkedHashMap<>();
    StringBuilder map = new StringBuilder();
    m.stateDict().forEach((k, v) -> {
      boolean first = k.startsWith("model.layers.0") || k.startsWith("model.embed");
      (first ? a : b).put(k, v);
      map.append(map.length() == 0 ? "" : ",").append('"').append(k).append("\":\"")
          .append(first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors")
          .append('"');
    });
    SafeTensors.save(dir.resolve("model-00001-of-00002.safetensors"), a);
    SafeTensors.save(dir.resolve("model-00002-of-00002.safetensors"), b);
    Files.writeString(dir.resolve("model.safetensors.index.json"),
        "{\"metadata\": {}, \"weight_map\": {" + map + "}}");
    m.config().save(dir);
    Llama back = Llama.fromPretrained(dir);
    assertClose("lm_head", m.lmHead().weight(), back.lmHead().weight(), 0, 0);
  }

  @Test void cacheMustBelongToTheModel() {
    Llama m = new Llama(small(), new Rng(0));
    Llama other = new Llama(small(), new Rng(1));
    Llama.Cache c = other.newCache(1, 8);
    assertThrows(IllegalArgumentException.class,
        () -> m.forward(Tensor.zeros(DType.I64, 1, 2), c));
    assertSame(c.layer(0), c.layer(0));
  }
}
