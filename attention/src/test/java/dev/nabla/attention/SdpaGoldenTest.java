package dev.nabla.attention;

import static dev.nabla.attention.FlashAttentionTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nabla.core.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The softmax implementations against PyTorch: each case of {@code golden/sdpa.json} (written by
 * {@code tools/golden/gen_attention_sdpa.py}, torch 1.13, attention written out by hand with GQA
 * by repeat_interleave) is replayed with REFERENCE, FLASH and AUTO; the output and the gradients
 * of sum(y ∘ upstream) for q, k and v must match.
 */
class SdpaGoldenTest {
  // F32 against values computed in F64 and rounded once
  private static final double ATOL = 2e-6;
  private static final double RTOL = 1e-5;

  private static final ObjectMapper JSON = new ObjectMapper();

  private static List<JsonNode> cases() throws IOException {
    try (InputStream s = SdpaGoldenTest.class.getResourceAsStream("/golden/sdpa.json")) {
      assertNotNull(s, "missing fixture golden/sdpa.json; run tools/golden/gen_attention_sdpa.py");
      List<JsonNode> all = new ArrayList<>();
      JSON.readTree(s).get("cases").forEach(all::add);
      return all;
    }
  }

  @TestFactory Stream<DynamicTest> matchesPyTorch() throws IOException {
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode c : cases()) {
      for (AttentionImpl impl : new AttentionImpl[] {AttentionImpl.REFERENCE, AttentionImpl.FLASH,
          AttentionImpl.AUTO}) {
        tests.add(DynamicTest.dynamicTest(c.get("name").asText() + " " + impl, () -> run(c, impl)));
      }
    }
    return tests.stream();
  }

  @Test void coversTheContract() throws IOException {
    List<String> names = new ArrayList<>();
    cases().forEach(c -> names.add(c.get("name").asText()));
    for (String n : List.of("plain", "causal_decode_offset", "gqa4_causal", "bool_mask_empty_row",
        "additive_mask")) {
      assertTrue(names.contains(n), "no golden case " + n);
    }
  }

  private static void run(JsonNode c, AttentionImpl impl) {
    Tensor q = tensor(c.get("q")).requiresGrad();
    Tensor k = tensor(c.get("k")).requiresGrad();
    Tensor v = tensor(c.get("v")).requiresGrad();
    AttentionOptions o = AttentionOptions.defaults().causal(c.get("causal").asBoolean()).impl(impl);
    if (c.has("scale")) {
      o = o.scale(c.get("scale").asDouble());
    }
    if (c.has("mask")) {
      o = o.mask(tensor(c.get("mask")));
    }
    Tensor y = ScaledDotProductAttention.apply(q, k, v, o);
    y.mul(tensor(c.get("upstream"))).sum().backward();
    String name = c.get("name").asText() + " " + impl;
    assertClose(tensor(c.get("out")), y, ATOL, RTOL, name + " output");
    assertClose(tensor(c.get("dq")), q.grad(), ATOL, RTOL, name + " dq");
    assertClose(tensor(c.get("dk")), k.grad(), ATOL, RTOL, name + " dk");
    assertClose(tensor(c.get("dv")), v.grad(), ATOL, RTOL, name + " dv");
  }

  private static Tensor tensor(JsonNode t) {
    int[] shape = new int[t.get("shape").size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = t.get("shape").get(i).asInt();
    }
    JsonNode values = t.get("values");
    if (t.get("dtype").asText().equals("bool")) {
      boolean[] b = new boolean[values.size()];
      for (int i = 0; i < b.length; i++) {
        b[i] = values.get(i).asBoolean();
      }
      return Tensor.of(b, shape);
    }
    float[] f = new float[values.size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) values.get(i).asDouble();
    }
    return Tensor.of(f, shape);
  }
}
