package dev.nabla.models.llama;

import static dev.nabla.models.llama.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradMode;
import dev.nabla.core.io.SafeTensorsFile;
import dev.nabla.nn.Parameter;
import dev.nabla.optim.AdamW;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Nabla's LLaMA against a plain-PyTorch transcription of Hugging Face's modeling_llama
 * (tools/golden/gen_llama.py): HF-layout checkpoints load by name, logits match to 1e-4, a greedy
 * continuation is the same, and one AdamW step gives the same loss, gradients and weights.
 */
class LlamaGoldenTest {

  /** Logits of every stored sequence: absolute tolerance (logits are O(1)–O(10)). */
  static final double LOGITS_ATOL = 1e-4;

  @Test void tinyLogitsMatchTorch() throws IOException {
    Llama model = Llama.fromPretrained(Fixtures.dir("tiny"));
    assertEquals(new LlamaConfig(512, 256, 688, 2, 8, 4, 1e-5, 10_000, 128, false),
        model.config());
    checkLogits(model, "tiny");
  }

  @Test void tiedMqaLogitsMatchTorch() throws IOException {
    Llama model = Llama.fromPretrained(Fixtures.dir("tied"));
    LlamaConfig c = model.config();
    assertTrue(c.tieWordEmbeddings());
    assertEquals(1, c.numKeyValueHeads());
    assertEquals(500_000, c.ropeTheta());
    assertEquals(1e-6, c.rmsNormEps());
    assertNull(model.lmHead());
    assertFalse(model.stateDict().containsKey("lm_head.weight"));
    checkLogits(model, "tied");
  }

  private static void checkLogits(Llama model, String name) {
    SafeTensorsFile g = Fixtures.golden(name);
    JsonNode cases = Fixtures.goldenJson(name).get("cases");
    assertTrue(cases.size() >= 2);
    try (var off = GradMode.disabled()) {
      for (JsonNode c : cases) {
        String k = c.asText();
        Tensor logits = model.forward(g.tensor(k + ".ids"));
        assertClose(name + " " + k + " logits", g.tensor(k + ".logits"), logits, LOGITS_ATOL, 0);
      }
    }
  }

  @Test void greedyContinuationMatchesTorch() throws IOException {
    Llama model = Llama.fromPretrained(Fixtures.dir("tiny"));
    SafeTensorsFile g = Fixtures.golden("tiny");
    int[] prompt = g.tensor("greedy.prompt").toIntArray();
    int[] expected = g.tensor("greedy.tokens").toIntArray();
    int[] got = new Generator(model).generate(prompt,
        GenerationConfig.greedy(expected.length));
    assertArrayEquals(expected, got);
  }

  @Test void oneAdamWStepMatchesTorch() throws IOException {
    Llama model = Llama.fromPretrained(Fixtures.dir("tiny"));
    SafeTensorsFile g = Fixtures.golden("tiny");
    JsonNode t = Fixtures.goldenJson("tiny").get("train");
    AdamW opt = new AdamW(model.parameters(), AdamW.options().lr(t.get("lr").asDouble())
        .betas(t.get("betas").get(0).asDouble(), t.get("betas").get(1).asDouble())
        .eps(t.get("eps").asDouble()).weightDecay(t.get("weight_decay").asDouble()));

    opt.zeroGrad();
    Tensor loss = model.nextTokenLoss(g.tensor("train.tokens"));
    loss.backward();
    assertEquals(t.get("loss").asDouble(), loss.item(), 1e-5, "loss");

    Map<String, Parameter> params = model.namedParameters();
    for (JsonNode n : t.get("check")) {
      String k = n.asText();
      Tensor rows = g.tensor("train.rows." + k);
      assertClose("grad " + k, g.tensor("train.grad." + k),
          params.get(k).grad().indexSelect(0, rows), 2e-6, 1e-3);
    }
    opt.step();
    for (JsonNode n : t.get("check")) {
      String k = n.asText();
      Tensor rows = g.tensor("train.rows." + k);
      assertClose("updated " + k, g.tensor("train.updated." + k),
          params.get(k).detach().indexSelect(0, rows), 1e-6, 1e-6);
    }
  }
}
