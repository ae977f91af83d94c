package dev.nabla.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nabla.core.DType;
import dev.nabla.core.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Replays the trajectories of tools/golden/gen_optim.py: PyTorch 1.13 in float64 from float32
 * inputs.
 *
 * <p>Tolerance. Nabla's F32 update runs in float arithmetic, as PyTorch's F32 kernels do: per
 * step the parameter is rounded once (≤ 2⁻²⁴ ≈ 6e-8 of its magnitude) and the update itself
 * carries a few float roundings, but it is scaled by lr and so contributes far less; the state
 * (moments, sums) is rounded likewise and enters the update in the same damped way. Over 10
 * steps that bounds the error by roughly 10 × 6e-8 ≈ 6e-7 of max(|θ|) along the trajectory. We
 * allow {@code |a − b| ≤ 1e-6 · max(|b|, |θ₀|max)}, where {@code |θ₀|max} is the largest initial
 * magnitude of that tensor, so entries that pass near zero are judged on the tensor's scale
 * rather than their own. Measured: at most 3.1e-7 (AdamW), a margin of 3, while any formula
 * slip shows at 1e-3 and above. The F64 replay (double arithmetic) must agree to
 * 1e-10: the same arithmetic in double; the limit is the 12 significant digits the JSON keeps.
 */
class GoldenOptimTest {
  static final double F32_RTOL = 1e-6;
  static final double F64_RTOL = 1e-10;

  static JsonNode read(String name) throws IOException {
    try (InputStream in = GoldenOptimTest.class.getResourceAsStream("/golden/" + name)) {
      if (in == null) {
        throw new IOException("missing resource /golden/" + name
            + "; run /usr/bin/python3 tools/golden/gen_optim.py");
      }
      return new ObjectMapper().readTree(in);
    }
  }

  static double[] doubles(JsonNode n) {
    double[] r = new double[n.size()];
    for (int i = 0; i < r.length; i++) {
      r[i] = n.get(i).asDouble();
    }
    return r;
  }

  static int[] ints(JsonNode n) {
    int[] r = new int[n.size()];
    for (int i = 0; i < r.length; i++) {
      r[i] = n.get(i).asInt();
    }
    return r;
  }

  static Tensor tensor(double[] values, DType dtype, int[] shape) {
    return Tensor.of(values, shape).to(dtype);
  }

  /** Builds the case's optimizer over {@code params} from its JSON description. */
  static Optimizer build(JsonNode c, List<Tensor> params) {
    List<ParamGroup> groups = new ArrayList<>();
    for (JsonNode g : c.get("groups")) {
      List<Tensor> ps = new ArrayList<>();
      for (JsonNode i : g.get("params")) {
        ps.add(params.get(i.asInt()));
      }
      ParamGroup group = ParamGroup.of(ps);
      for (var e : g.get("options").properties()) {
        group.set(e.getKey(), e.getValue().asDouble());
      }
      groups.add(group);
    }
    JsonNode o = c.get("options");
    String opt = c.get("optimizer").asText();
    return switch (opt) {
      case "SGD" -> new SGD(groups, apply(SGD.options(), o));
      case "Adam" -> new Adam(groups, apply(Adam.options(), o));
      case "AdamW" -> new AdamW(groups, apply(AdamW.options(), o));
      case "RMSprop" -> new RMSprop(groups, apply(RMSprop.options(), o));
      case "Adagrad" -> new Adagrad(groups, apply(Adagrad.options(), o));
      default -> throw new IllegalArgumentException("unknown optimizer " + opt);
    };
  }

  /** Sets the JSON options through the typed builder's generic setter. */
  static <O extends OptimizerOptions<O>> O apply(O options, JsonNode o) {
    for (var e : o.properties()) {
      options.set(e.getKey(), e.getValue().asDouble());
    }
    return options;
  }

  @TestFactory
  Stream<DynamicTest> trajectoriesF32() throws IOException {
    return trajectories(DType.F32, F32_RTOL);
  }

  @TestFactory
  Stream<DynamicTest> trajectoriesF64() throws IOException {
    return trajectories(DType.F64, F64_RTOL);
  }

  private Stream<DynamicTest> trajectories(DType dtype, double rtol) throws IOException {
    JsonNode doc = read("optim_trajectories.json");
    List<int[]> shapes = new ArrayList<>();
    doc.get("shapes").forEach(s -> shapes.add(ints(s)));
    List<double[]> init = new ArrayList<>();
    doc.get("params").forEach(p -> init.add(doubles(p)));
    JsonNode grads = doc.get("grads");
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode c : doc.get("cases")) {
      tests.add(DynamicTest.dynamicTest(c.get("name").asText() + " " + dtype, () -> {
        List<Tensor> params = new ArrayList<>();
        double[] scale = new double[init.size()];
        for (int i = 0; i < init.size(); i++) {
          params.add(tensor(init.get(i), dtype, shapes.get(i)).requiresGrad());
          scale[i] = Arrays.stream(init.get(i)).map(Math::abs).max().orElse(1);
        }
        Optimizer opt = build(c, params);
        JsonNode traj = c.get("trajectory");
        for (int step = 0; step < traj.size(); step++) {
          for (int i = 0; i < params.size(); i++) {
            JsonNode g = grads.get(step).get(i);
            params.get(i).setGrad(g.isNull() ? null : tensor(doubles(g), dtype, shapes.get(i)));
          }
          opt.step();
          for (int i = 0; i < params.size(); i++) {
            assertClose(c.get("name").asText() + " step " + (step + 1) + " param " + i,
                doubles(traj.get(step).get(i)), params.get(i).toDoubleArray(), rtol, scale[i]);
          }
        }
      }));
    }
    return tests.stream();
  }

  @TestFactory
  Stream<DynamicTest> clipGradNorm() throws IOException {
    JsonNode doc = read("optim_clip.json");
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode c : doc.get("cases")) {
      for (DType dtype : new DType[] {DType.F32, DType.F64}) {
        double rtol = dtype == DType.F32 ? F32_RTOL : F64_RTOL;
        tests.add(DynamicTest.dynamicTest(c.get("name").asText() + " " + dtype, () -> {
          List<Tensor> params = new ArrayList<>();
          for (int i = 0; i < c.get("shapes").size(); i++) {
            int[] shape = ints(c.get("shapes").get(i));
            Tensor p = Tensor.zeros(dtype, shape).requiresGrad();
            JsonNode g = c.get("grads").get(i);
            if (!g.isNull()) {
              p.setGrad(tensor(doubles(g), dtype, shape));
            }
            params.add(p);
          }
          JsonNode nt = c.get("normType");
          double normType = nt.isTextual() ? Double.POSITIVE_INFINITY : nt.asDouble();
          double total = GradClip.clipGradNorm(params, c.get("maxNorm").asDouble(), normType);
          double want = c.get("total").asDouble();
          // The norm is accumulated in double from the same float32 inputs: tight for both dtypes.
          assertEquals(want, total, 1e-12 * want, c.get("name").asText() + " total norm");
          for (int i = 0; i < params.size(); i++) {
            JsonNode w = c.get("clipped").get(i);
            if (w.isNull()) {
              assertEquals(null, params.get(i).grad());
            } else {
              double[] expected = doubles(w);
              double scale = Arrays.stream(expected).map(Math::abs).max().orElse(1);
              assertClose(c.get("name").asText() + " grad " + i, expected,
                  params.get(i).grad().toDoubleArray(), rtol, scale);
            }
          }
        }));
      }
    }
    return tests.stream();
  }

  /** |a − b| ≤ rtol·max(|b|, scale) elementwise; on failure prints the first values and max diff. */
  static void assertClose(String what, double[] expected, double[] actual, double rtol,
      double scale) {
    assertEquals(expected.length, actual.length, what + ": length");
    double maxDiff = 0;
    int worst = -1;
    boolean ok = true;
    for (int i = 0; i < expected.length; i++) {
      double diff = Math.abs(expected[i] - actual[i]);
      double tol = rtol * Math.max(Math.abs(expected[i]), scale);
      if (!(diff <= tol)) {
        ok = false;
      }
      if (!(diff <= maxDiff)) {
        maxDiff = diff;
        worst = i;
      }
    }
    if (Boolean.getBoolean("golden.verbose")) {
      double ratio = 0;
      for (int i = 0; i < expected.length; i++) {
        ratio = Math.max(ratio, Math.abs(expected[i] - actual[i])
            / Math.max(Math.abs(expected[i]), scale));
      }
      System.out.printf("%-60s max rel %.3g%n", what, ratio);
    }
    if (!ok) {
      fail(what + ": max |diff| " + maxDiff + " at " + worst + " (expected " + expected[worst]
          + ", got " + actual[worst] + ", rtol " + rtol + ")\n  expected "
          + Arrays.toString(Arrays.copyOf(expected, Math.min(6, expected.length)))
          + "\n  actual   " + Arrays.toString(Arrays.copyOf(actual, Math.min(6, actual.length))));
    }
    assertTrue(ok);
  }
}
