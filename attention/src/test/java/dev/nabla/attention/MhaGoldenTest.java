package dev.nabla.attention;

import static dev.nabla.attention.AttentionTesting.assertClose;
import static dev.nabla.attention.AttentionTesting.expected;
import static dev.nabla.attention.AttentionTesting.tensor;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.nn.Parameter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Replays tools/golden/gen_attention_layers.py: torch 1.13's {@code nn.MultiheadAttention(8, 2,
 * batch_first=True)} with its weights loaded by name (strict) into the packed mode, with and
 * without boolean attention masks, key-padding masks (torch's "true = NOT allowed", negated in
 * the fixture), additive float masks, cross-attention and no biases. Checked: the output and the
 * gradients of sum(out·gy) w.r.t. the inputs and every parameter. F64 to 1e-10 (torch computed
 * in float64 from float32 inputs); F32 to 1e-5.
 */
class MhaGoldenTest {

  @TestFactory
  Stream<DynamicTest> matchesTorch() throws IOException {
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode c : AttentionTesting.fixture().get("mha")) {
      for (DType dtype : new DType[] {DType.F64, DType.F32}) {
        tests.add(DynamicTest.dynamicTest(c.get("name").asText() + " " + dtype,
            () -> replay(c, dtype, dtype == DType.F64 ? 1e-10 : 1e-5)));
      }
    }
    assertEquals(7, tests.size() / 2, "cases in the fixture");
    return tests.stream();
  }

  private static void replay(JsonNode c, DType dtype, double tol) {
    String name = c.get("name").asText() + " " + dtype;
    boolean cross = c.get("cross").asBoolean();
    var m = new MultiHeadAttention(8, 2, 2, MultiHeadAttention.options().packedInProjection(true)
        .bias(c.get("bias").asBoolean()), new Rng(0));
    Map<String, Tensor> state = new LinkedHashMap<>();
    c.get("state").properties().forEach(e -> state.put(e.getKey(), tensor(e.getValue(),
        DType.F32)));
    m.loadStateDict(state, true);
    m.to(dtype);

    Tensor q = tensor(c.get("query"), dtype).requiresGrad();
    Tensor src = cross ? tensor(c.get("source"), dtype).requiresGrad() : q;
    int b = q.size(0);
    int tq = q.size(1);
    int tk = src.size(1);
    // Nabla's masks: true = may attend (torch's boolean masks are the negation)
    Tensor mask = null;
    if (c.has("attn_mask_allowed")) {
      mask = expected(c.get("attn_mask_allowed")).ne(0).reshape(1, 1, tq, tk);
    }
    if (c.has("key_keep")) {
      Tensor keep = MultiHeadAttention.keyPaddingMask(expected(c.get("key_keep")).ne(0));
      mask = mask == null ? keep : mask.logicalAnd(keep);
    }
    if (c.has("attn_mask_additive")) {
      mask = tensor(c.get("attn_mask_additive"), dtype);
    }
    assertEquals(b, q.size(0));
    Tensor out = cross ? m.forward(q, src, mask) : m.forward(q, mask);
    out.mul(tensor(c.get("gy"), dtype)).sum().backward();

    assertClose(expected(c.get("out")), out, tol, name + " output");
    assertClose(expected(c.get("grad_query")), q.grad(), tol, name + " grad query");
    if (cross) {
      assertClose(expected(c.get("grad_source")), src.grad(), tol, name + " grad source");
    }
    Map<String, Parameter> params = m.namedParameters();
    assertEquals(c.get("grad_params").size(), params.size(), name + ": parameter count");
    c.get("grad_params").properties().forEach(e -> assertClose(expected(e.getValue()),
        params.get(e.getKey()).grad(), tol, name + " grad " + e.getKey()));
    assertEquals(tk, src.size(1));
  }
}
