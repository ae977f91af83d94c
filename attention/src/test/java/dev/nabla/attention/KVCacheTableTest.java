package dev.nabla.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The KV-cache size table of docs/attention.md, computed from the cache classes: per token, for
 * MHA, GQA with 4 key/value heads, MQA and MLA at LLaMA-7B-like dimensions (d 4096, 32 heads of
 * 128, 32 layers; MLA with DeepSeek's ratios kvLoraRank = 4·d_h, rope = d_h/2) and
 * DeepSeek-V2-like ones (d 5120, 128 heads of 128, 60 layers, kvLoraRank 512, rope 64). Each
 * number comes from a real one-token cache's allocated bytes. The test prints the table and, when
 * docs/attention.md is present, checks that it contains the table verbatim.
 */
class KVCacheTableTest {

  record Row(String model, String attention, String layout, long elements, int layers) {
    long f32Bytes() {
      return elements * 4 * layers;
    }

    long bf16Bytes() {
      return elements * 2 * layers;
    }
  }

  /** Numbers per token per layer of a real cache holding one token. */
  private static long kv(int kvHeads, int headDim) {
    KVCache c = new KVCache(1, kvHeads, 1, headDim);
    assertEquals(c.bytesAllocated(), c.bytesPerToken());
    assertEquals(KVCache.bytesPerToken(kvHeads, headDim, DType.F32), c.bytesPerToken());
    return c.elementsPerToken();
  }

  private static long latent(int kvLoraRank, int ropeDim) {
    LatentKVCache c = new LatentKVCache(1, 1, kvLoraRank, ropeDim, DType.F32);
    assertEquals(c.bytesAllocated(), c.bytesPerToken());
    return c.elementsPerToken();
  }

  static List<Row> rows() {
    List<Row> rows = new ArrayList<>();
    String llama = "LLaMA-7B-like (d 4096, 32 × 128, 32 layers)";
    rows.add(new Row(llama, "MHA", "2 × 32 × 128", kv(32, 128), 32));
    rows.add(new Row(llama, "GQA, 4 KV heads", "2 × 4 × 128", kv(4, 128), 32));
    rows.add(new Row(llama, "MQA", "2 × 1 × 128", kv(1, 128), 32));
    rows.add(new Row(llama, "MLA (rank 512, rope 64)", "512 + 64", latent(512, 64), 32));
    String ds = "DeepSeek-V2-like (d 5120, 128 × 128, 60 layers)";
    rows.add(new Row(ds, "MHA", "2 × 128 × 128", kv(128, 128), 60));
    rows.add(new Row(ds, "GQA, 4 KV heads", "2 × 4 × 128", kv(4, 128), 60));
    rows.add(new Row(ds, "MQA", "2 × 1 × 128", kv(1, 128), 60));
    rows.add(new Row(ds, "MLA (rank 512, rope 64)", "512 + 64", latent(512, 64), 60));
    return rows;
  }

  private static String size(long bytes) {
    if (bytes >= 1 << 20) {
      return String.format(Locale.ROOT, "%.2f MiB", bytes / (double) (1 << 20));
    }
    return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
  }

  static String markdown() {
    StringBuilder sb = new StringBuilder();
    sb.append("| Dimensions | Attention | Cached per token and layer | Numbers | "
        + "Per token, all layers, F32 | Same in 16-bit | vs MHA |\n");
    sb.append("|---|---|---|---:|---:|---:|---:|\n");
    long mha = 0;
    for (Row r : rows()) {
      if (r.attention().equals("MHA")) {
        mha = r.elements();
      }
      sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %d | %s | %s | %s |\n", r.model(),
          r.attention(), r.layout(), r.elements(), size(r.f32Bytes()), size(r.bf16Bytes()),
          r.elements() == mha ? "1" : String.format(Locale.ROOT, "1/%.1f",
              mha / (double) r.elements())));
    }
    return sb.toString();
  }

  @Test void tableOfBytesPerToken() throws IOException {
    List<Row> rows = rows();
    assertEquals(8192, rows.get(0).elements());          // 2·32·128
    assertEquals(1 << 20, rows.get(0).f32Bytes());       // 1 MiB per token in F32
    assertEquals(1024, rows.get(1).elements());
    assertEquals(256, rows.get(2).elements());
    assertEquals(576, rows.get(3).elements());           // kvLoraRank + rope, per layer
    assertEquals(32768, rows.get(4).elements());
    assertEquals(576, rows.get(7).elements());
    String table = markdown();
    System.out.print(table);
    Path docs = Path.of("..", "docs", "attention.md");
    if (Files.exists(docs) && Files.readString(docs).contains("| Dimensions | Attention |")) {
      assertTrue(Files.readString(docs).contains(table),
          "docs/attention.md has an outdated KV-cache table; replace it with:\n" + table);
    }
  }
}
