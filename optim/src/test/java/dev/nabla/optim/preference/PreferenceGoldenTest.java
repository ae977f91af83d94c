package dev.nabla.optim.preference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nabla.core.DType;
import dev.nabla.core.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Sequence log-probs and every DPO variant against PyTorch, in F64: values, gradients and
 * metrics agree within |actual − expected| ≤ 1e-10 + 1e-10·|expected|. The fixture is written by
 * {@code tools/golden/gen_preference.py} (torch 1.13; the build never runs it).
 */
class PreferenceGoldenTest {
  private static final double ATOL = 1e-10;
  private static final double RTOL = 1e-10;

  private static JsonNode fixture() throws IOException {
    try (InputStream in = PreferenceGoldenTest.class.getResourceAsStream(
        "/golden/preference.json")) {
      assertNotNull(in, "missing golden/preference.json; run tools/golden/gen_preference.py");
      return new ObjectMapper().readTree(in);
    }
  }

  @TestFactory Stream<DynamicTest> sequenceLogProbs() throws IOException {
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode c : fixture().get("sequence_log_probs")) {
      tests.add(DynamicTest.dynamicTest(c.get("name").asText(), () -> {
        Tensor logits = tensor(c.get("logits")).requiresGrad();
        Tensor targets = tensor(c.get("targets"));
        Tensor mask = tensor(c.get("mask"));
        SequenceLogProbs lp = SequenceLogProbs.compute(logits, targets, mask);
        close("sum", doubles(c.get("sum")), lp.sum().toDoubleArray());
        close("mean", doubles(c.get("mean")), lp.mean().toDoubleArray());
        long[] count = lp.count().toLongArray();
        for (int i = 0; i < count.length; i++) {
          assertEquals(c.get("count").get(i).asLong(), count[i], "count[" + i + "]");
        }
        int b = count.length;
        Tensor dySum = Tensor.of(doubles(c.get("dy_sum")), b);
        Tensor dyMean = Tensor.of(doubles(c.get("dy_mean")), b);
        lp.sum().mul(dySum).add(lp.mean().mul(dyMean)).sum().backward();
        close("grad logits", doubles(c.get("grad_logits")), logits.grad().toDoubleArray());
      }));
    }
    return tests.stream();
  }

  @TestFactory Stream<DynamicTest> dpoVariants() throws IOException {
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode c : fixture().get("dpo")) {
      tests.add(DynamicTest.dynamicTest(c.get("name").asText(), () -> {
        DPOLoss dpo = new DPOLoss(DPOLoss.Variant.valueOf(c.get("variant").asText()),
            c.get("beta").asDouble(), c.get("label_smoothing").asDouble());
        Tensor pc = vector(c.get("policy_chosen")).requiresGrad();
        Tensor pr = vector(c.get("policy_rejected")).requiresGrad();
        DPOLoss.Output out = dpo.compute(pc, pr, vector(c.get("reference_chosen")),
            vector(c.get("reference_rejected")));
        close("losses", doubles(c.get("losses")), out.losses().toDoubleArray());
        close("loss", new double[] {c.get("loss").asDouble()},
            new double[] {out.loss().item()});
        close("chosen rewards", doubles(c.get("chosen_rewards")),
            out.chosenRewards().toDoubleArray());
        close("rejected rewards", doubles(c.get("rejected_rewards")),
            out.rejectedRewards().toDoubleArray());
        close("reward margins", doubles(c.get("reward_margins")),
            out.rewardMargins().toDoubleArray());
        assertEquals(c.get("reward_accuracy").asDouble(), out.rewardAccuracy(), 1e-15,
            "reward accuracy");
        out.loss().backward();
        close("grad policy chosen", doubles(c.get("grad_policy_chosen")),
            pc.grad().toDoubleArray());
        close("grad policy rejected", doubles(c.get("grad_policy_rejected")),
            pr.grad().toDoubleArray());
      }));
    }
    return tests.stream();
  }

  private static Tensor vector(JsonNode values) {
    double[] d = doubles(values);
    return Tensor.of(d, d.length);
  }

  private static Tensor tensor(JsonNode node) {
    JsonNode s = node.get("shape");
    int[] shape = new int[s.size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = s.get(i).asInt();
    }
    JsonNode v = node.get("values");
    switch (node.get("dtype").asText()) {
      case "f64":
        return Tensor.of(doubles(v), shape);
      case "i64": {
        long[] l = new long[v.size()];
        for (int i = 0; i < l.length; i++) {
          l[i] = v.get(i).asLong();
        }
        return Tensor.of(l, shape);
      }
      case "bool": {
        boolean[] b = new boolean[v.size()];
        for (int i = 0; i < b.length; i++) {
          b[i] = v.get(i).asBoolean();
        }
        return Tensor.of(b, shape);
      }
      default:
        throw new IllegalArgumentException("unknown golden dtype " + node.get("dtype"));
    }
  }

  private static double[] doubles(JsonNode values) {
    double[] d = new double[values.size()];
    for (int i = 0; i < d.length; i++) {
      d[i] = values.get(i).asDouble();
    }
    return d;
  }

  private static void close(String what, double[] expected, double[] actual) {
    assertEquals(expected.length, actual.length, what + ": length");
    double maxDiff = 0;
    int worst = -1;
    for (int i = 0; i < expected.length; i++) {
      double diff = Math.abs(actual[i] - expected[i]);
      if (!(diff <= ATOL + RTOL * Math.abs(expected[i])) && (worst < 0 || diff > maxDiff)) {
        maxDiff = diff;
        worst = i;
      }
    }
    if (worst >= 0) {
      StringBuilder first = new StringBuilder();
      for (int i = 0; i < Math.min(5, expected.length); i++) {
        first.append(String.format(" %.12g/%.12g", actual[i], expected[i]));
      }
      fail(what + ": max |diff| " + maxDiff + " at " + worst + " (actual " + actual[worst]
          + ", expected " + expected[worst] + "); first actual/expected:" + first + " ("
          + DType.F64 + ")");
    }
  }
}
