package dev.nabla.attention;

import static dev.nabla.attention.AttentionTesting.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradMode;
import org.junit.jupiter.api.Test;

class KVCacheTest {

  @Test void appendReturnsEverythingCached() {
    Rng rng = new Rng(0);
    KVCache cache = new KVCache(3, 2, 16, 4);
    Tensor k1 = Tensor.randn(rng, 2, 2, 5, 4);
    Tensor v1 = Tensor.randn(rng, 2, 2, 5, 4);
    KVCache.Entry e = cache.append(k1, v1);
    assertEquals(5, cache.length());
    assertClose(k1, e.keys(), 0, "keys after the prompt");
    Tensor k2 = Tensor.randn(rng, 2, 2, 1, 4);
    Tensor v2 = Tensor.randn(rng, 2, 2, 1, 4);
    e = cache.append(k2, v2);
    assertEquals(6, cache.length());
    assertClose(Tensor.cat(2, k1, k2), e.keys(), 0, "keys");
    assertClose(Tensor.cat(2, v1, v2), e.values(), 0, "values");
    assertClose(e.keys(), cache.get().keys(), 0, "get()");
    assertFalse(e.keys().isRequiresGrad());

    cache.crop(5);
    assertClose(k1, cache.get().keys(), 0, "cropped");
    cache.reset();
    assertEquals(0, cache.length());
    Tensor k3 = Tensor.randn(rng, 3, 2, 2, 4);                 // a new batch size after reset
    assertClose(k3, cache.append(k3, k3).keys(), 0, "after reset");
  }

  @Test void groupedHeadsStoreOnlyKvHeads() {
    // GQA with 8 query heads and 2 key/value heads: the cache is sized by the 2
    var attn = new MultiHeadAttention(64, 8, 2, new Rng(1));
    KVCache cache = attn.newCache(2, 100);
    assertEquals(2, cache.numKvHeads());
    assertEquals(8, cache.headDim());
    assertEquals(2L * 2 * 100 * 8 * 4 * 2, cache.bytesAllocated());   // k and v, F32
    assertEquals(2L * 2 * 8 * 4, cache.bytesPerToken());
    assertEquals(cache.bytesPerToken(), KVCache.bytesPerToken(2, 8, DType.F32));
    assertEquals(cache.bytesPerToken(), attn.cacheBytesPerToken(DType.F32));
  }

  @Test void fullCacheFailsClearly() {
    KVCache cache = new KVCache(1, 2, 512, 4);
    cache.append(Tensor.zeros(1, 2, 510, 4), Tensor.zeros(1, 2, 510, 4));
    var e = assertThrows(IllegalStateException.class,
        () -> cache.append(Tensor.zeros(1, 2, 3, 4), Tensor.zeros(1, 2, 3, 4)));
    assertEquals("KVCache: cannot append 3 positions at length 510 of 512", e.getMessage());
    assertEquals(510, cache.length(), "a failed append changes nothing");
    cache.append(Tensor.zeros(1, 2, 2, 4), Tensor.zeros(1, 2, 2, 4));
    assertEquals(512, cache.length());
  }

  @Test void badInput() {
    KVCache cache = new KVCache(2, 2, 8, 4);
    var e = assertThrows(IllegalArgumentException.class,
        () -> cache.append(Tensor.zeros(1, 4, 1, 4), Tensor.zeros(1, 4, 1, 4)));
    assertTrue(e.getMessage().contains("expected k [B, 2, n, 4] and v [B, 2, n, 4], got k"
        + " [1, 4, 1, 4]"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> cache.append(Tensor.zeros(3, 2, 1, 4), Tensor.zeros(3, 2, 1, 4)));
    assertEquals("KVCache: batch 3 exceeds the cache's maxBatch 2", e.getMessage());
    cache.append(Tensor.zeros(2, 2, 1, 4), Tensor.zeros(2, 2, 1, 4));
    e = assertThrows(IllegalArgumentException.class,
        () -> cache.append(Tensor.zeros(1, 2, 1, 4), Tensor.zeros(1, 2, 1, 4)));
    assertTrue(e.getMessage().contains("differs from the batch 2"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new KVCache(0, 1, 1, 1));
  }

  @Test void gradientReachesTheNewPositions() {
    Rng rng = new Rng(2);
    KVCache cache = new KVCache(1, 1, 8, 2, 2, DType.F64);
    try (var off = GradMode.disabled()) {
      cache.append(Tensor.randn(rng, DType.F64, 1, 1, 3, 2),
          Tensor.randn(rng, DType.F64, 1, 1, 3, 2));
    }
    Tensor k = Tensor.randn(rng, DType.F64, 1, 1, 1, 2).requiresGrad();
    Tensor v = Tensor.randn(rng, DType.F64, 1, 1, 1, 2).requiresGrad();
    KVCache.Entry e = cache.append(k, v);
    assertEquals(4, e.keys().size(2));
    e.keys().sum().add(e.values().mul(2).sum()).backward();
    assertNotNull(k.grad());
    assertClose(Tensor.full(2, DType.F64, 1, 1, 1, 2), v.grad(), 0, "grad v");
  }

  @Test void latentCacheHoldsRankPlusRopeNumbersPerToken() {
    Rng rng = new Rng(3);
    LatentKVCache cache = new LatentKVCache(2, 32, 12, 4, DType.F32);
    assertEquals(16, cache.elementsPerToken());
    assertEquals(16 * 4, cache.bytesPerToken());
    assertEquals(2L * 32 * 16 * 4, cache.bytesAllocated());
    Tensor c = Tensor.randn(rng, 2, 1, 3, 12);
    Tensor r = Tensor.randn(rng, 2, 1, 3, 4);
    LatentKVCache.Entry e = cache.append(c, r);
    assertClose(c, e.latent(), 0, "latent");
    assertClose(r, e.ropeKeys(), 0, "rope keys");
    assertClose(Tensor.cat(3, c, r), e.joined(), 0, "joined view");
    var ex = assertThrows(IllegalStateException.class,
        () -> cache.append(Tensor.zeros(2, 1, 30, 12), Tensor.zeros(2, 1, 30, 4)));
    assertEquals("LatentKVCache: cannot append 30 positions at length 3 of 32", ex.getMessage());
  }
}
