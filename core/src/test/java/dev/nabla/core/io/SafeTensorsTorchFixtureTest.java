package dev.nabla.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nabla.core.DType;
import dev.nabla.core.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Interop with PyTorch: the fixture was written by tools/golden/make_safetensors_fixture.py,
 * with F16/BF16 bytes from torch's own {@code .half()} / {@code .bfloat16()}.
 */
class SafeTensorsTorchFixtureTest {
  private static SafeTensorsFile file;
  private static JsonNode expected;

  @BeforeAll
  static void load() throws Exception {
    Path dir = Path.of(SafeTensorsTorchFixtureTest.class.getResource("/safetensors").toURI());
    file = SafeTensors.load(dir.resolve("torch_fixture.safetensors"));
    expected = new ObjectMapper().readTree(dir.resolve("torch_fixture_expected.json").toFile());
  }

  @Test
  void namesInHeaderOrderAndMetadata() {
    List<String> names = new ArrayList<>();
    expected.fieldNames().forEachRemaining(names::add);
    assertEquals(names, List.copyOf(file.tensors().keySet()));   // header order kept
    assertEquals("pt", file.metadata().get("format"));
    assertEquals(Map.of("format", "pt", "generator", "tools/golden/make_safetensors_fixture.py",
        "torch", "1.13.0a0"), file.metadata());
  }

  @Test
  void everyTensorMatchesTorchExactly() {
    for (Iterator<Map.Entry<String, JsonNode>> it = expected.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String name = e.getKey();
      JsonNode exp = e.getValue();
      Tensor t = file.tensor(name);
      assertArrayEquals(ints(exp.get("shape")), t.shape().toArray(), name + " shape");
      switch (exp.get("dtype").asText()) {
        case "I64" -> {
          assertEquals(DType.I64, t.dtype(), name);
          assertArrayEquals(longs(exp.get("values")), t.toLongArray(), name);
        }
        case "F64" -> {
          assertEquals(DType.F64, t.dtype(), name);
          assertArrayEquals(doubles(exp.get("values")), t.toDoubleArray(), 0.0, name);
        }
        default -> {                          // F32, F16, BF16 all load as F32
          assertEquals(DType.F32, t.dtype(), name);
          assertSameFloats(name, floats(exp.get("values")), t.toFloatArray());
        }
      }
    }
  }

  /** Our float→F16/BF16 rounding gives torch's bits for the same float32 inputs. */
  @Test
  void narrowingMatchesTorchBits() {
    for (String name : List.of("src_f16", "randn_f16", "src_bf16", "randn_bf16")) {
      JsonNode exp = expected.get(name);
      boolean bf = exp.get("dtype").asText().equals("BF16");
      float[] source = floats(exp.get("source"));
      long[] bits = longs(exp.get("bits"));
      for (int i = 0; i < source.length; i++) {
        short ours = bf ? HalfFloats.floatToBFloat16(source[i]) : HalfFloats.floatToHalf(source[i]);
        if (Float.isNaN(source[i])) {
          // NaN bit patterns differ between torch's code paths (its vectorised BF16 cast gives
          // 0xFFFF, the scalar one 0x7FC0); any NaN will do.
          assertEquals(true, Float.isNaN(bf ? HalfFloats.bfloat16ToFloat(ours)
              : HalfFloats.halfToFloat(ours)), name + "[" + i + "] NaN");
          assertEquals(true, Float.isNaN(bf ? HalfFloats.bfloat16ToFloat((short) bits[i])
              : HalfFloats.halfToFloat((short) bits[i])), name + "[" + i + "] torch NaN");
          continue;
        }
        if ((ours & 0xffff) != bits[i]) {
          fail(String.format("%s[%d]: %s (bits %08x) narrowed to %04x, torch gives %04x", name, i,
              source[i], Float.floatToRawIntBits(source[i]), ours & 0xffff, bits[i]));
        }
        float widened = bf ? HalfFloats.bfloat16ToFloat((short) bits[i])
            : HalfFloats.halfToFloat((short) bits[i]);
        assertSameFloats(name + "[" + i + "]", new float[] {floats(exp.get("values"))[i]},
            new float[] {widened});
      }
    }
  }

  private static void assertSameFloats(String name, float[] expected, float[] actual) {
    assertEquals(expected.length, actual.length, name + " length");
    for (int i = 0; i < expected.length; i++) {
      // floatToIntBits: -0.0 differs from 0.0 and all NaNs are one value
      if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(actual[i])) {
        fail(String.format("%s[%d]: expected %s, got %s (first values %s)", name, i, expected[i],
            actual[i], java.util.Arrays.toString(java.util.Arrays.copyOf(actual,
                Math.min(5, actual.length)))));
      }
    }
  }

  private static int[] ints(JsonNode a) {
    int[] r = new int[a.size()];
    for (int i = 0; i < r.length; i++) {
      r[i] = a.get(i).intValue();
    }
    return r;
  }

  private static long[] longs(JsonNode a) {
    long[] r = new long[a.size()];
    for (int i = 0; i < r.length; i++) {
      r[i] = a.get(i).longValue();
    }
    return r;
  }

  private static double[] doubles(JsonNode a) {
    double[] r = new double[a.size()];
    for (int i = 0; i < r.length; i++) {
      JsonNode v = a.get(i);
      r[i] = v.isTextual() ? Double.parseDouble(v.asText()) : v.doubleValue();  // "NaN", "Infinity"
    }
    return r;
  }

  private static float[] floats(JsonNode a) {
    double[] d = doubles(a);
    float[] r = new float[d.length];
    for (int i = 0; i < r.length; i++) {
      r[i] = (float) d[i];                   // exact: the JSON holds float32 values
    }
    return r;
  }
}
