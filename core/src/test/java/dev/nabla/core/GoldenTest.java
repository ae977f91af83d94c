package dev.nabla.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Outputs and input gradients against PyTorch. The fixtures in {@code resources/golden} are
 * written by {@code tools/golden/gen_core.py} (torch 1.13; the build never runs it); each case
 * name maps to the same computation here. A fixture case without a Nabla twin fails.
 */
class GoldenTest {
  private static final String[] FILES = {"elementwise", "reductions", "matmul", "indexing"};

  // |actual − expected| ≤ atol + rtol·|expected|, per element
  private static final double F64_ATOL = 1e-10;
  private static final double F64_RTOL = 1e-10;
  private static final double F32_ATOL = 1e-6;
  private static final double F32_RTOL = 1e-5;

  /** A computation over the case's inputs, in fixture order. */
  private interface GoldenOp {
    Tensor apply(Tensor[] in);
  }

  private static final Map<String, GoldenOp> OPS = new LinkedHashMap<>();

  private static void op(String name, GoldenOp f) {
    if (OPS.put(name, f) != null) {
      throw new IllegalStateException("duplicate golden op " + name);
    }
  }

  static {
    // ---------------------------------------------------------------- elementwise
    op("add_3x1x4_2x4", in -> in[0].add(in[1]));
    op("sub_5_2x3x5", in -> in[0].sub(in[1]));
    op("mul_2x1x5_3x1", in -> in[0].mul(in[1]));
    op("div_3x1x4_2x4", in -> in[0].div(in[1]));
    op("pow_3x1x4_2x4", in -> in[0].pow(in[1]));
    op("add_scalar_tensor", in -> in[0].add(in[1]));
    op("mul_tensor_scalar", in -> in[0].mul(in[1]));
    op("div_scalar_tensor", in -> in[0].div(in[1]));
    op("add_alpha", in -> in[0].add(in[1], -0.5));
    op("scalar_arith", in -> in[0].mul(2.5).add(1.5).sub(0.25).div(3));
    op("rsub", in -> in[0].rsub(2));
    op("neg", in -> in[0].neg());
    op("pow_int", in -> in[0].pow(3));
    op("pow_frac", in -> in[0].pow(2.5));
    op("pow_neg", in -> in[0].pow(-1.5));
    op("square", in -> in[0].square());
    op("reciprocal", in -> in[0].reciprocal());
    op("exp", in -> in[0].exp());
    op("log", in -> in[0].log());
    op("log1p", in -> in[0].log1p());
    op("sqrt", in -> in[0].sqrt());
    op("rsqrt", in -> in[0].rsqrt());
    op("tanh", in -> in[0].tanh());
    op("sigmoid", in -> in[0].sigmoid());
    op("silu", in -> in[0].silu());
    op("relu", in -> in[0].relu());
    op("abs", in -> in[0].abs());
    op("clamp", in -> in[0].clamp(-0.5, 0.7));
    op("clamp_min", in -> in[0].clampMin(0.1));
    op("clamp_max", in -> in[0].clampMax(-0.2));
    op("sin", in -> in[0].sin());
    op("cos", in -> in[0].cos());
    op("erf", in -> in[0].erf());
    op("gelu", in -> in[0].gelu());
    op("gelu_tanh", in -> in[0].geluTanh());
    op("maximum_3x4_4", in -> in[0].maximum(in[1]));
    op("minimum_3x4_4", in -> in[0].minimum(in[1]));
    op("where_3x4_4", in -> Tensor.where(in[0], in[1], in[2]));
    op("where_bcast_cond", in -> Tensor.where(in[0], in[1], in[2]));
    op("masked_fill_3x4", in -> in[0].maskedFill(in[1], -1.5));
    op("div_int", in -> in[0].div(in[1]));
    op("add_int_float", in -> in[0].add(in[1]));
    op("relu_at_zero", in -> in[0].relu());
    op("abs_at_zero", in -> in[0].abs());
    op("clamp_at_bounds", in -> in[0].clamp(-0.5, 0.75));
    op("maximum_ties", in -> in[0].maximum(in[1]));
    op("minimum_ties", in -> in[0].minimum(in[1]));
    op("pow_zero_base", in -> in[0].pow(in[1]));
    op("erf_tails", in -> in[0].erf());
    op("gelu_tails", in -> in[0].gelu());
    op("sigmoid_tails", in -> in[0].sigmoid());
    op("where_cond_largest", in -> Tensor.where(in[0], in[1], in[2]));
    op("mul_tensor_f64_scalar", in -> in[0].mul(in[1]));

    // ---------------------------------------------------------------- reductions
    op("sum_all", in -> in[0].sum());
    op("sum_dim1", in -> in[0].sum(1, false));
    op("sum_dims02_keep", in -> in[0].sum(new int[] {0, 2}, true));
    op("sum_dimneg1", in -> in[0].sum(-1, false));
    op("mean_all", in -> in[0].mean());
    op("mean_dimneg1_keep", in -> in[0].mean(-1, true));
    op("mean_dims02", in -> in[0].mean(new int[] {0, 2}, false));
    op("amax_dim1", in -> in[0].amax(new int[] {1}, false));
    op("amax_all", in -> in[0].amax(new int[0], false));
    op("amax_dims02_keep", in -> in[0].amax(new int[] {0, 2}, true));
    op("amin_dim0", in -> in[0].amin(new int[] {0}, false));
    op("max_dim1_values", in -> in[0].max(1, false).values());
    op("max_dim1_indices", in -> in[0].max(1, false).indices());
    op("min_dimneg1_keep_values", in -> in[0].min(-1, true).values());
    op("argmax_dim0", in -> in[0].argmax(0, false));
    op("argmax_all", in -> in[0].argmax());
    for (boolean unbiased : new boolean[] {true, false}) {
      String u = unbiased ? "unbiased" : "biased";
      op("var_dim1_" + u, in -> in[0].var(1, unbiased, false));
      op("var_dims02_keep_" + u, in -> in[0].var(new int[] {0, 2}, unbiased, true));
      op("var_all_" + u, in -> in[0].var(new int[0], unbiased, false));
      op("var_dimneg1_keep_" + u, in -> in[0].var(-1, unbiased, true));
      op("std_dim1_" + u, in -> in[0].std(1, unbiased, false));
      op("std_dims02_keep_" + u, in -> in[0].std(new int[] {0, 2}, unbiased, true));
      op("std_all_" + u, in -> in[0].std(new int[0], unbiased, false));
      op("std_dimneg1_keep_" + u, in -> in[0].std(-1, unbiased, true));
    }
    op("amax_ties", in -> in[0].amax(new int[] {1}, false));
    op("max_all_ties", in -> in[0].max());
    op("max_dim1_ties_values", in -> in[0].max(1, false).values());
    op("max_dim1_ties_indices", in -> in[0].max(1, false).indices());
    op("argmin_dim0_ties", in -> in[0].argmin(0, false));
    op("sum_int", in -> in[0].sum(1, false));
    op("cumsum_int", in -> in[0].cumsum(1));
    op("masked_softmax",
        in -> in[0].maskedFill(in[1], Double.NEGATIVE_INFINITY).softmax(-1));
    op("masked_logsumexp",
        in -> in[0].maskedFill(in[1], Double.NEGATIVE_INFINITY).logsumexp(-1, false));
    op("logsumexp_dim0", in -> in[0].logsumexp(0, false));
    op("logsumexp_dimneg1_keep", in -> in[0].logsumexp(-1, true));
    op("logsumexp_dims02", in -> in[0].logsumexp(new int[] {0, 2}, false));
    op("logsumexp_large", in -> in[0].logsumexp(1, false));
    op("softmax_dim0", in -> in[0].softmax(0));
    op("softmax_dim1", in -> in[0].softmax(1));
    op("softmax_dimneg1", in -> in[0].softmax(-1));
    op("log_softmax_dim0", in -> in[0].logSoftmax(0));
    op("log_softmax_dim1", in -> in[0].logSoftmax(1));
    op("log_softmax_dimneg1", in -> in[0].logSoftmax(-1));
    op("softmax_large", in -> in[0].softmax(-1));
    op("log_softmax_large", in -> in[0].logSoftmax(-1));
    op("cumsum_dim0", in -> in[0].cumsum(0));
    op("cumsum_dimneg1", in -> in[0].cumsum(-1));
    op("norm_all", in -> in[0].norm());
    op("layer_norm_composite", in -> {
      Tensor x = in[0];
      Tensor centered = x.sub(x.mean(-1, true));
      return centered.div(x.var(-1, false, true).add(1e-5).sqrt()).mul(in[1]).add(in[2]);
    });
    op("cross_entropy_composite", in -> in[0].logSoftmax(1).gather(1, in[1]).mean().neg());

    // ---------------------------------------------------------------- matmul
    for (String name : new String[] {"matmul_3x4_4x5", "matmul_4_4", "matmul_4_4x3",
        "matmul_3x4_4", "matmul_2x3x4x5_5x6", "matmul_2x1x3x4_3x4x2", "matmul_4_2x4x3",
        "matmul_2x3x4_4"}) {
      op(name, in -> in[0].matmul(in[1]));
    }
    op("matmul_batched_transposed", in -> in[0].transpose(1, 2).matmul(in[1]));
    op("matmul_transposed", in -> in[0].t().matmul(in[1]));

    // ---------------------------------------------------------------- indexing and views
    op("gather_dim0", in -> in[0].gather(0, in[1]));
    op("gather_dim1", in -> in[0].gather(1, in[1]));
    op("gather_dim1_small", in -> in[0].gather(1, in[1]));
    op("gather_dimneg1_3d", in -> in[0].gather(-1, in[1]));
    op("scatter_add_dim0", in -> in[0].scatterAdd(0, in[1], in[2]));
    op("scatter_add_dim1", in -> in[0].scatterAdd(1, in[1], in[2]));
    op("scatter_add_partial", in -> in[0].scatterAdd(0, in[1], in[2]));
    op("scatter_add_partial_src_grad", in -> in[0].scatterAdd(0, in[1], in[2]));
    op("index_select_dim0", in -> in[0].indexSelect(0, in[1]));
    op("index_select_dim1", in -> in[0].indexSelect(1, in[1]));
    op("embedding", in -> Tensor.embedding(in[1], in[0]));
    op("one_hot", in -> in[0].oneHot(4));
    op("cat_dim0", in -> Tensor.cat(0, in));
    op("cat_dim1", in -> Tensor.cat(1, in));
    op("cat_dimneg1", in -> Tensor.cat(-1, in));
    op("stack_dim0", in -> Tensor.stack(0, in));
    op("stack_dim1", in -> Tensor.stack(1, in));
    op("stack_dimneg1", in -> Tensor.stack(-1, in));
    op("tril_0", in -> in[0].tril(0));
    op("tril_neg1_batched", in -> in[0].tril(-1));
    op("tril_2", in -> in[0].tril(2));
    op("triu_1_batched", in -> in[0].triu(1));
    op("triu_0", in -> in[0].triu(0));
    op("pad_last", in -> in[0].pad(new int[] {1, 2}, 0));
    op("pad_two", in -> in[0].pad(new int[] {1, 0, 2, 1}, -1));
    op("pad_all", in -> in[0].pad(new int[] {1, 1, 0, 2, 1, 0}, 0.5));
    op("transpose_contiguous", in -> in[0].transpose(0, 2).contiguous());
    op("permute_contiguous", in -> in[0].permute(2, 0, 1).contiguous());
    op("transpose_reshape", in -> in[0].transpose(1, 2).reshape(2, 12));
    op("permute_exp", in -> in[0].permute(1, 2, 0).exp());
    op("slice_step", in -> in[0].slice(1, 1, 6, 2));
    op("select_narrow", in -> in[0].select(1, 2).narrow(-1, 1, 3));
    op("expand_mul", in -> in[0].expand(3, 4).mul(in[1]));
    op("unsqueeze_add_squeeze", in -> in[0].unsqueeze(1).add(in[1]).squeeze());
    op("chunk_cat", in -> {
      List<Tensor> c = in[0].chunk(3, 1);
      return Tensor.cat(1, c.get(2), c.get(0), c.get(1));
    });
    op("split_sizes_cat", in -> {
      List<Tensor> p = in[0].split(new int[] {2, 3}, 0);
      return Tensor.cat(0, p.get(1), p.get(0).mul(2));
    });
    op("chunk_split_uneven", in -> {
      List<Tensor> c = in[0].chunk(3, 1);
      List<Tensor> s = in[0].split(2, 0);
      Tensor byColumns = Tensor.cat(1, c.get(2), c.get(1), c.get(0));
      Tensor byRows = Tensor.cat(0, s.get(1), s.get(0));
      return Tensor.cat(0, byColumns.flatten(), byRows.flatten());
    });
    op("expand_new_dims", in -> in[0].expand(2, -1, 4).mul(in[1]));
    op("flatten_mid", in -> in[0].flatten(1, 2));
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private static List<JsonNode> cases() {
    List<JsonNode> all = new ArrayList<>();
    for (String file : FILES) {
      String path = "/golden/" + file + ".json";
      try (InputStream s = GoldenTest.class.getResourceAsStream(path)) {
        assertNotNull(s, "missing fixture " + path + "; run tools/golden/gen_core.py");
        JSON.readTree(s).get("cases").forEach(all::add);
      } catch (IOException e) {
        throw new UncheckedIOException(path, e);
      }
    }
    return all;
  }

  @TestFactory Stream<DynamicTest> matchesPyTorch() {
    return cases().stream().map(c -> DynamicTest.dynamicTest(
        c.get("name").asText() + " [" + c.get("dtype").asText() + "]", () -> check(c)));
  }

  /** Catches Java twins whose fixture was renamed or dropped. */
  @Test void everyOpHasAFixture() {
    Set<String> names = new LinkedHashSet<>();
    cases().forEach(c -> names.add(c.get("name").asText()));
    Set<String> orphans = new LinkedHashSet<>(OPS.keySet());
    orphans.removeAll(names);
    assertTrue(orphans.isEmpty(), "golden ops without a fixture case: " + orphans);
  }

  private static void check(JsonNode c) {
    try {
      run(c);
    } catch (RuntimeException e) {
      throw new AssertionError(c.get("name").asText() + " [" + c.get("dtype").asText() + "] "
          + c.get("op").asText() + ": threw " + e, e);
    }
  }

  private static void run(JsonNode c) {
    String name = c.get("name").asText();
    GoldenOp f = OPS.get(name);
    if (f == null) {
      fail("golden case '" + name + "' (" + c.get("op").asText()
          + ") has no Nabla computation in GoldenTest; add it to the op map");
    }
    DType dtype = dtype(c.get("dtype").asText());
    String label = name + " [" + dtype + "] " + c.get("op").asText();

    JsonNode inputs = c.get("inputs");
    Tensor[] in = new Tensor[inputs.size()];
    for (int i = 0; i < in.length; i++) {
      in[i] = tensor(inputs.get(i));
      if (inputs.get(i).get("grad").asBoolean()) {
        in[i].requiresGrad();
      }
    }
    Tensor out = f.apply(in);
    compare(label, dtype, "output", out, c.get("output"));

    JsonNode upstream = c.get("upstream");
    if (upstream == null || upstream.isNull()) {
      return;
    }
    out.backward(tensor(upstream));
    JsonNode grads = c.get("grads");
    for (int i = 0; i < in.length; i++) {
      JsonNode g = grads.get(i);
      if (g.isNull()) {
        continue;
      }
      assertNotNull(in[i].grad(), label + ": input " + i + " got no gradient");
      compare(label, dtype, "grad of input " + i, in[i].grad(), g);
    }
  }

  private static DType dtype(String s) {
    return switch (s) {
      case "f32" -> DType.F32;
      case "f64" -> DType.F64;
      case "i64" -> DType.I64;
      case "bool" -> DType.BOOL;
      default -> throw new IllegalArgumentException("unknown fixture dtype " + s);
    };
  }

  private static int[] shape(JsonNode t) {
    int[] s = new int[t.get("shape").size()];
    for (int i = 0; i < s.length; i++) {
      s[i] = t.get("shape").get(i).asInt();
    }
    return s;
  }

  private static Tensor tensor(JsonNode t) {
    DType dtype = dtype(t.get("dtype").asText());
    int[] shape = shape(t);
    JsonNode v = t.get("values");
    int n = v.size();
    Tensor x = switch (dtype) {
      case F32 -> {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
          a[i] = (float) v.get(i).asDouble();
        }
        yield Tensor.of(a);
      }
      case F64 -> {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
          a[i] = v.get(i).asDouble();
        }
        yield Tensor.of(a);
      }
      case I64 -> {
        long[] a = new long[n];
        for (int i = 0; i < n; i++) {
          a[i] = v.get(i).asLong();
        }
        yield Tensor.of(a);
      }
      case BOOL -> {
        boolean[] a = new boolean[n];
        for (int i = 0; i < n; i++) {
          a[i] = v.get(i).asBoolean();
        }
        yield Tensor.of(a);
      }
      default -> throw new IllegalArgumentException("unsupported fixture dtype " + dtype);
    };
    return x.reshape(shape); // an empty shape gives a rank-0 tensor
  }

  /** Float values within the tolerance of the case's compute dtype; other dtypes exactly. */
  private static void compare(String label, DType caseType, String what, Tensor actual,
      JsonNode expectedNode) {
    DType dtype = dtype(expectedNode.get("dtype").asText());
    int[] shape = shape(expectedNode);
    assertEquals(Shape.of(shape), actual.shape(), label + ": " + what + " shape");
    assertEquals(dtype, actual.dtype(), label + ": " + what + " dtype");
    double[] a = actual.toDoubleArray();
    JsonNode v = expectedNode.get("values");
    double[] e = new double[v.size()];
    for (int i = 0; i < e.length; i++) {
      e[i] = v.get(i).asDouble();
    }
    boolean exact = !dtype.isFloatingPoint();
    double atol = exact ? 0 : caseType == DType.F32 ? F32_ATOL : F64_ATOL;
    double rtol = exact ? 0 : caseType == DType.F32 ? F32_RTOL : F64_RTOL;
    int worst = -1;
    double worstExcess = 0;
    double maxDiff = 0;
    for (int i = 0; i < e.length; i++) {
      double diff = Math.abs(a[i] - e[i]);
      maxDiff = Math.max(maxDiff, Double.isNaN(diff) ? Double.POSITIVE_INFINITY : diff);
      double excess = Double.isNaN(diff) ? Double.POSITIVE_INFINITY
          : diff - (atol + rtol * Math.abs(e[i]));
      if (excess > worstExcess) {
        worstExcess = excess;
        worst = i;
      }
    }
    if (worst >= 0) {
      fail(String.format("%s: %s differs from PyTorch (shape %s, atol %s, rtol %s)%n"
              + "  max |diff| %.3e, worst at flat index %d: expected %s, got %s%n"
              + "  expected first: %s%n  actual first:   %s",
          label, what, Arrays.toString(shape), atol, rtol, maxDiff, worst, e[worst], a[worst],
          head(e), head(a)));
    }
  }

  private static String head(double[] x) {
    return Arrays.toString(Arrays.copyOf(x, Math.min(8, x.length)))
        + (x.length > 8 ? " … (" + x.length + " values)" : "");
  }
}
