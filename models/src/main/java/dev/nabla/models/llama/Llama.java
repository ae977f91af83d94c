package dev.nabla.models.llama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nabla.attention.KVCache;
import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.ShapeMismatchException;
import dev.nabla.core.Tensor;
import dev.nabla.core.io.SafeTensors;
import dev.nabla.nn.Embedding;
import dev.nabla.nn.Layer;
import dev.nabla.nn.LayerList;
import dev.nabla.nn.Linear;
import dev.nabla.nn.RMSNorm;
import dev.nabla.nn.functional.Functional;
import dev.nabla.nn.init.Init;
import dev.nabla.nn.loss.Losses;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.random.RandomGenerator;

/**
 * LLaMA, a decoder-only language model (Touvron et al., arXiv:2302.13971), as Hugging Face's
 * {@code LlamaForCausalLM}: token embedding → N × {@link LlamaDecoderLayer} (RMSNorm → causal
 * rotary attention with grouped key/value heads → residual → RMSNorm → SwiGLU → residual) →
 * RMSNorm → LM head. Built from {@code MultiHeadAttention}, {@link RMSNorm},
 * {@code SwiGLU}, {@link Embedding} and {@link Linear}.
 *
 * <p>Parameter names are HF's, so its safetensors load directly: {@code model.embed_tokens.weight},
 * {@code model.layers.{i}.self_attn.{q,k,v,o}_proj.weight},
 * {@code model.layers.{i}.mlp.{gate,up,down}_proj.weight},
 * {@code model.layers.{i}.input_layernorm.weight},
 * {@code model.layers.{i}.post_attention_layernorm.weight}, {@code model.norm.weight},
 * {@code lm_head.weight}. With tied embeddings the head is the embedding matrix itself and has
 * no entry of its own, as in the files HF's {@code save_pretrained} writes. RoPE pairs features
 * as HF does (rotate half: x_i with x_{i+D/2}), not as Meta's original code (interleaved).
 * New weights follow HF's init: Linear and Embedding ~ N(0, 0.02²), norms 1.
 *
 * <p>Shapes: ids {@code [B, T]} (I64 or I32) → logits {@code [B, T, vocab]}. Decoding passes a
 * {@link Cache}: positions continue from the cache length.
 *
 * <pre>{@code
 * Llama model = Llama.fromPretrained(Path.of("tiny-llama"));       // config.json + model.safetensors
 * Tensor logits = model.forward(Tensor.of(new long[] {1, 15043, 3186}, 1, 3));   // [1, 3, vocab]
 * Llama.Cache cache = model.newCache(1, 64);
 * Tensor first = model.forward(prompt, cache);      // positions 0 … T−1
 * Tensor next = model.forward(oneToken, cache);     // position T
 * }</pre>
 */
public final class Llama extends Layer {
  /** Weights of a model directory, as HF names them. */
  public static final String WEIGHTS_FILE = "model.safetensors";
  /** The index of a sharded checkpoint. */
  public static final String WEIGHTS_INDEX_FILE = "model.safetensors.index.json";

  private final LlamaConfig config;
  private final Backbone model;
  private final Linear lmHead; // null when tied to the embedding

  /** A new model with HF's initialisation drawn from {@code rng}. */
  public Llama(LlamaConfig config, RandomGenerator rng) {
    if (config == null) {
      throw new IllegalArgumentException("Llama: config must not be null");
    }
    this.config = config;
    this.model = register("model", new Backbone(config, rng));
    this.lmHead = config.tieWordEmbeddings() ? null
        : register("lm_head", new Linear(config.hiddenSize(), config.vocabSize(), false, rng));
    for (Layer l : namedLayers().values()) {
      if (l instanceof Linear lin) {
        Init.normal(rng, lin.weight(), 0, LlamaConfig.INITIALIZER_RANGE);
      } else if (l instanceof Embedding e) {
        Init.normal(rng, e.weight(), 0, LlamaConfig.INITIALIZER_RANGE);
      }
    }
  }

  /** The token embedding, the decoder layers and the final norm: HF's {@code LlamaModel}. */
  private static final class Backbone extends Layer {
    final Embedding embedTokens;
    final LayerList<LlamaDecoderLayer> layers;
    final RMSNorm norm;

    Backbone(LlamaConfig c, RandomGenerator rng) {
      embedTokens = register("embed_tokens", new Embedding(c.vocabSize(), c.hiddenSize(), rng));
      layers = register("layers", new LayerList<>());
      for (int i = 0; i < c.numHiddenLayers(); i++) {
        layers.add(new LlamaDecoderLayer(c, rng));
      }
      norm = register("norm", new RMSNorm(c.hiddenSize(), c.rmsNormEps()));
    }

    @Override public String name() {
      return "LlamaModel";
    }
  }

  // ------------------------------------------------------------------ forward

  /** Logits {@code [B, T, vocab]} for ids {@code [B, T]} at positions 0 … T−1. */
  @Override public Tensor forward(Tensor ids) {
    return run(ids, null);
  }

  /**
   * Logits {@code [B, T, vocab]} for ids {@code [B, T]} at positions {@code cache.length() …};
   * the keys and values of every layer are appended to {@code cache}. A prompt, then one token
   * at a time, equals running the whole sequence at once.
   */
  public Tensor forward(Tensor ids, Cache cache) {
    if (cache == null) {
      throw new IllegalArgumentException("Llama: cache must not be null (use forward(ids))");
    }
    return run(ids, cache);
  }

  /**
   * The final hidden states {@code [B, T, hidden]} (after the last norm), before the head; with
   * a cache (may be null) as {@link #forward(Tensor, Cache)}.
   */
  public Tensor hiddenStates(Tensor ids, Cache cache) {
    if (cache != null && cache.owner != this) {
      throw new IllegalArgumentException("Llama: the cache was made by another model");
    }
    int offset = cache == null ? 0 : cache.length();
    checkIds(ids, offset, cache);
    Tensor h = model.embedTokens.forward(ids);                              // [B, T, C]
    int i = 0;
    for (LlamaDecoderLayer layer : model.layers) {
      h = layer.forward(h, cache == null ? null : cache.layers[i++]);
    }
    return model.norm.forward(h);
  }

  private Tensor run(Tensor ids, Cache cache) {
    return head(hiddenStates(ids, cache));
  }

  /** The LM head: hidden states {@code [..., hidden]} → logits {@code [..., vocab]}. */
  public Tensor head(Tensor hidden) {
    return lmHead == null ? Functional.linear(hidden, model.embedTokens.weight())
        : lmHead.forward(hidden);
  }

  /**
   * Mean next-token cross-entropy of {@code tokens [B, T+1]}: the logits of
   * {@code tokens[:, :T]} against {@code tokens[:, 1:]}.
   */
  public Tensor nextTokenLoss(Tensor tokens) {
    if (tokens.dim() != 2 || tokens.size(1) < 2) {
      throw new IllegalArgumentException(
          "Llama.nextTokenLoss: expected tokens [B, T+1] with T >= 1, got " + tokens.shape());
    }
    int t = tokens.size(1) - 1;
    Tensor logits = forward(tokens.narrow(1, 0, t).contiguous());
    Tensor targets = tokens.narrow(1, 1, t).contiguous().reshape(-1);
    return Losses.crossEntropy(logits.reshape(-1, config.vocabSize()), targets);
  }

  private void checkIds(Tensor ids, int offset, Cache cache) {
    if (ids == null || ids.dim() != 2 || ids.size(1) == 0 || ids.size(0) == 0) {
      throw new IllegalArgumentException("Llama: expected token ids [B, T] with B, T >= 1, got "
          + (ids == null ? "null" : ids.shape().toString()));
    }
    if (ids.dtype() != DType.I64 && ids.dtype() != DType.I32) {
      throw new IllegalArgumentException(
          "Llama: expected integer token ids (I64 or I32), got " + ids.dtype());
    }
    int t = ids.size(1);
    if (offset + t > config.maxPositionEmbeddings()) {
      throw new IllegalArgumentException("Llama: " + (offset == 0 ? "a sequence of " + t
          : offset + " cached + " + t + " new") + " positions exceeds maxPositionEmbeddings ("
          + config.maxPositionEmbeddings() + ")");
    }
    if (cache != null) {
      if (offset + t > cache.maxLen()) {
        throw new IllegalStateException("Llama: the cache holds " + cache.maxLen()
            + " positions; cannot add " + t + " at length " + offset);
      }
      if (ids.size(0) > cache.maxBatch()) {
        throw new IllegalArgumentException("Llama: batch " + ids.size(0)
            + " exceeds the cache's maxBatch " + cache.maxBatch());
      }
      if (offset > 0 && ids.size(0) != cache.batch) {
        throw new IllegalArgumentException("Llama: batch " + ids.size(0)
            + " differs from the cached batch " + cache.batch + "; reset() the cache first");
      }
    }
    long[] v = ids.toLongArray();
    int vocab = config.vocabSize();
    for (int i = 0; i < v.length; i++) {
      if (v[i] < 0 || v[i] >= vocab) {
        throw new IllegalArgumentException("Llama: token id " + v[i] + " at [" + i / t + ", "
            + i % t + "] is out of range [0, " + vocab + ") (vocabSize " + vocab + ")");
      }
    }
    if (cache != null) {
      cache.batch = ids.size(0);
    }
  }

  // ------------------------------------------------------------------ cache

  /** A key/value cache for every layer, for {@code maxBatch} sequences of up to {@code maxLen}. */
  public Cache newCache(int maxBatch, int maxLen) {
    if (maxLen > config.maxPositionEmbeddings()) {
      throw new IllegalArgumentException("Llama.newCache: maxLen " + maxLen
          + " exceeds maxPositionEmbeddings (" + config.maxPositionEmbeddings() + ")");
    }
    KVCache[] caches = new KVCache[config.numHiddenLayers()];
    for (int i = 0; i < caches.length; i++) {
      caches[i] = model.layers.get(i).selfAttn().newCache(maxBatch, maxLen);
    }
    return new Cache(this, caches);
  }

  /**
   * The per-layer {@link KVCache}s of one decoding session. Each layer keeps
   * {@code [maxBatch, numKeyValueHeads, maxLen, headDim]} keys and values (RoPE applied before
   * storing); {@link #length()} is the position of the next token.
   */
  public static final class Cache {
    private final Llama owner;
    private final KVCache[] layers;
    private int batch;

    private Cache(Llama owner, KVCache[] layers) {
      this.owner = owner;
      this.layers = layers;
    }

    /** Cached positions: the position of the next token. */
    public int length() {
      return layers[0].length();
    }

    public int maxLen() {
      return layers[0].maxLen();
    }

    public int maxBatch() {
      return layers[0].maxBatch();
    }

    /** Forgets every position (the memory stays allocated). */
    public void reset() {
      for (KVCache c : layers) {
        c.reset();
      }
      batch = 0;
    }

    /** Keeps the first {@code newLength} positions. */
    public void crop(int newLength) {
      for (KVCache c : layers) {
        c.crop(newLength);
      }
    }

    /** Layer {@code i}'s cache. */
    public KVCache layer(int i) {
      return layers[i];
    }

    /** Bytes allocated by all layers. */
    public long bytesAllocated() {
      return Arrays.stream(layers).mapToLong(KVCache::bytesAllocated).sum();
    }

    @Override public String toString() {
      return "Llama.Cache(layers=" + layers.length + ", length=" + length() + ", maxLen="
          + maxLen() + ")";
    }
  }

  // ------------------------------------------------------------------ checkpoints

  /**
   * Loads a Hugging Face model directory: {@code config.json} and {@code model.safetensors}, or
   * the shards listed in {@code model.safetensors.index.json}. F16/BF16 weights are converted to
   * F32.
   *
   * @throws IllegalArgumentException if the config is invalid or the weights do not fit it
   */
  public static Llama fromPretrained(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new FileNotFoundException("Llama.fromPretrained: " + dir + " is not a directory");
    }
    return fromPretrained(LlamaConfig.load(dir), weightFiles(dir).toArray(Path[]::new));
  }

  /** Builds a model for {@code config} and loads the safetensors {@code files} into it (strict). */
  public static Llama fromPretrained(LlamaConfig config, Path... files) throws IOException {
    if (files.length == 0) {
      throw new IllegalArgumentException("Llama.fromPretrained: no weight files given");
    }
    Map<String, Tensor> state = new LinkedHashMap<>();
    for (Path f : files) {
      state.putAll(SafeTensors.load(f).tensors());
    }
    Llama m = new Llama(config, new Rng(0));
    try {
      m.loadPretrained(state);
    } catch (IllegalArgumentException e) {
      throw new ShapeMismatchException("Llama.fromPretrained(" + Arrays.toString(files)
          + "): the weights do not match " + config + "\n" + e.getMessage());
    }
    return m;
  }

  /**
   * Loads HF-named weights strictly, after dropping what HF checkpoints may carry beyond the
   * parameters: {@code lm_head.weight} of a tied model (a duplicate of the embedding) and old
   * {@code rotary_emb.inv_freq} buffers.
   */
  public LoadResult loadPretrained(Map<String, Tensor> state) {
    Map<String, Tensor> s = new LinkedHashMap<>(state);
    s.keySet().removeIf(k -> k.endsWith(".rotary_emb.inv_freq"));
    if (lmHead == null) {
      s.remove("lm_head.weight");
    }
    return loadStateDict(s, true);
  }

  /**
   * Writes {@code config.json} and {@code model.safetensors} into {@code dir} (created if
   * needed), each atomically, in HF's layout; {@link #fromPretrained(Path)} and transformers'
   * {@code LlamaForCausalLM.from_pretrained} read it back.
   */
  public void savePretrained(Path dir) throws IOException {
    Files.createDirectories(dir);
    config.save(dir.resolve(LlamaConfig.FILE_NAME));
    save(dir.resolve(WEIGHTS_FILE));
  }

  private static List<Path> weightFiles(Path dir) throws IOException {
    Path single = dir.resolve(WEIGHTS_FILE);
    if (Files.isRegularFile(single)) {
      return List.of(single);
    }
    Path index = dir.resolve(WEIGHTS_INDEX_FILE);
    if (!Files.isRegularFile(index)) {
      throw new FileNotFoundException("Llama.fromPretrained: " + dir + " has neither "
          + WEIGHTS_FILE + " nor " + WEIGHTS_INDEX_FILE);
    }
    JsonNode map = new ObjectMapper().readTree(index.toFile()).path("weight_map");
    if (!map.isObject()) {
      throw new IllegalArgumentException(index + ": no \"weight_map\" object");
    }
    TreeSet<String> names = new TreeSet<>();
    for (Iterator<JsonNode> it = map.elements(); it.hasNext(); ) {
      names.add(it.next().asText());
    }
    List<Path> out = new ArrayList<>();
    for (String n : names) {
      Path p = dir.resolve(n).normalize();
      if (!p.startsWith(dir.normalize())) {
        throw new IllegalArgumentException(index + ": shard '" + n + "' is outside " + dir);
      }
      out.add(p);
    }
    return out;
  }

  // ------------------------------------------------------------------ accessors

  public LlamaConfig config() {
    return config;
  }

  /** The token embedding ({@code model.embed_tokens}). */
  public Embedding embedTokens() {
    return model.embedTokens;
  }

  /** The decoder layers ({@code model.layers}). */
  public List<LlamaDecoderLayer> layers() {
    List<LlamaDecoderLayer> out = new ArrayList<>();
    model.layers.forEach(out::add);
    return List.copyOf(out);
  }

  /** The final norm ({@code model.norm}). */
  public RMSNorm norm() {
    return model.norm;
  }

  /** The LM head ({@code lm_head}), or null when tied to the embedding. */
  public Linear lmHead() {
    return lmHead;
  }

  @Override protected String extraRepr() {
    return "vocab=" + config.vocabSize() + ", hidden=" + config.hiddenSize() + ", layers="
        + config.numHiddenLayers() + ", heads=" + config.numAttentionHeads() + "/"
        + config.numKeyValueHeads() + (config.tieWordEmbeddings() ? ", tied" : "");
  }
}
