package dev.nabla.models.llama;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nabla.core.Tensor;
import dev.nabla.core.io.SafeTensors;
import dev.nabla.core.io.SafeTensorsFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** The fixtures of src/test/resources/llama (see its README) and a float comparison. */
final class Fixtures {
  private Fixtures() {}

  /** The fixture directory {@code llama/<name>}. */
  static Path dir(String name) {
    try {
      return Path.of(Fixtures.class.getResource("/llama/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static SafeTensorsFile golden(String name) {
    try {
      return SafeTensors.load(dir(name).resolve("golden.safetensors"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode goldenJson(String name) {
    try {
      return new ObjectMapper().readTree(dir(name).resolve("golden.json").toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The bundled public-domain text (chapter 1 of Moby-Dick, 8 KB). */
  static String text() {
    try {
      return Files.readString(dir("moby-dick-loomings.txt"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** |expected − actual| ≤ atol + rtol·|expected| everywhere; on failure the first values and max diff. */
  static void assertClose(String what, Tensor expected, Tensor actual, double atol, double rtol) {
    if (!expected.shape().equals(actual.shape())) {
      fail(what + ": shape " + actual.shape() + ", expected " + expected.shape());
    }
    double[] e = expected.toDoubleArray();
    double[] a = actual.toDoubleArray();
    double maxDiff = 0;
    int worst = -1;
    int bad = 0;
    for (int i = 0; i < e.length; i++) {
      double d = Math.abs(e[i] - a[i]);
      if (!(d <= atol + rtol * Math.abs(e[i]))) {
        bad++;
        if (worst < 0 || d > maxDiff || Double.isNaN(d)) {
          worst = i;
        }
      }
      if (d > maxDiff) {
        maxDiff = d;
      }
    }
    if (bad > 0) {
      int n = Math.min(6, e.length);
      fail(String.format("%s: %d of %d values differ (atol %.1e, rtol %.1e); max diff %.3e at %d"
          + " (expected %.7g, got %.7g); first expected %s, got %s", what, bad, e.length, atol,
          rtol, maxDiff, worst, e[worst], a[worst], Arrays.toString(Arrays.copyOf(e, n)),
          Arrays.toString(Arrays.copyOf(a, n))));
    }
  }

  /** The max |expected − actual|. */
  static double maxDiff(Tensor expected, Tensor actual) {
    double[] e = expected.toDoubleArray();
    double[] a = actual.toDoubleArray();
    double m = 0;
    for (int i = 0; i < e.length; i++) {
      m = Math.max(m, Math.abs(e[i] - a[i]));
    }
    return m;
  }
}
