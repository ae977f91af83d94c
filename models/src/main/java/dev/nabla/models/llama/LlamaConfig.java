package dev.nabla.models.llama;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The hyper-parameters of a {@link Llama}, with the fields and meaning of Hugging Face's
 * {@code LlamaConfig}; read and written as its {@code config.json} (snake_case keys, e.g.
 * {@code "num_key_value_heads"}).
 *
 * <p>Head dimension = hiddenSize / numAttentionHeads; numKeyValueHeads &lt; numAttentionHeads is
 * grouped-query attention (1: multi-query). RMSNorm eps, RoPE theta (rotate-half pairing, as HF)
 * and the context length maxPositionEmbeddings; with tieWordEmbeddings the LM head reuses the
 * token embedding.
 *
 * <pre>{@code
 * LlamaConfig c = LlamaConfig.tiny().withVocabSize(tokenizer.vocabSize());
 * c.save(dir.resolve("config.json"));
 * LlamaConfig back = LlamaConfig.load(dir);   // a directory or the file itself
 * }</pre>
 */
public record LlamaConfig(int vocabSize, int hiddenSize, int intermediateSize,
    int numHiddenLayers, int numAttentionHeads, int numKeyValueHeads, double rmsNormEps,
    double ropeTheta, int maxPositionEmbeddings, boolean tieWordEmbeddings) {

  /** The file name Hugging Face uses inside a model directory. */
  public static final String FILE_NAME = "config.json";

  /** HF's {@code initializer_range}: Linear and Embedding weights start as N(0, 0.02²). */
  public static final double INITIALIZER_RANGE = 0.02;

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public LlamaConfig {
    positive("vocabSize", vocabSize);
    positive("hiddenSize", hiddenSize);
    positive("intermediateSize", intermediateSize);
    positive("numHiddenLayers", numHiddenLayers);
    positive("numAttentionHeads", numAttentionHeads);
    positive("numKeyValueHeads", numKeyValueHeads);
    positive("maxPositionEmbeddings", maxPositionEmbeddings);
    if (hiddenSize % numAttentionHeads != 0) {
      throw new IllegalArgumentException("LlamaConfig: hiddenSize (" + hiddenSize
          + ") must be divisible by numAttentionHeads (" + numAttentionHeads + ")");
    }
    if (numAttentionHeads % numKeyValueHeads != 0) {
      throw new IllegalArgumentException("LlamaConfig: numKeyValueHeads (" + numKeyValueHeads
          + ") must divide numAttentionHeads (" + numAttentionHeads + ")");
    }
    if ((hiddenSize / numAttentionHeads) % 2 != 0) {
      throw new IllegalArgumentException("LlamaConfig: the head dimension hiddenSize / "
          + "numAttentionHeads = " + hiddenSize / numAttentionHeads + " must be even for RoPE");
    }
    if (!(rmsNormEps > 0) || Double.isInfinite(rmsNormEps)) {
      throw new IllegalArgumentException("LlamaConfig: rmsNormEps must be > 0, got " + rmsNormEps);
    }
    if (!(ropeTheta > 1) || Double.isInfinite(ropeTheta)) {
      throw new IllegalArgumentException("LlamaConfig: ropeTheta must be > 1, got " + ropeTheta);
    }
  }

  private static void positive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException("LlamaConfig: " + name + " must be > 0, got " + value);
    }
  }

  /**
   * The W3 benchmark model (BENCHMARKS.md): vocab 512, hidden 256, 4 layers, 8 heads / 4 key-value
   * heads (head dim 32), SwiGLU 688, eps 1e-5, theta 10⁴, 256 positions, separate LM head;
   * 3,164,416 parameters.
   */
  public static LlamaConfig tiny() {
    return new LlamaConfig(512, 256, 688, 4, 8, 4, 1e-5, 10_000, 256, false);
  }

  /** hiddenSize / numAttentionHeads. */
  public int headDim() {
    return hiddenSize / numAttentionHeads;
  }

  /** Number of parameters of the model this config builds (the tied head counted once). */
  public long numParameters() {
    long d = hiddenSize;
    long kv = (long) numKeyValueHeads * headDim();
    long perLayer = d * d * 2 + d * kv * 2 + 3 * d * intermediateSize + 2 * d;
    long embed = (long) vocabSize * d;
    return embed + numHiddenLayers * perLayer + d + (tieWordEmbeddings ? 0 : embed);
  }

  public LlamaConfig withVocabSize(int v) {
    return new LlamaConfig(v, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads,
        numKeyValueHeads, rmsNormEps, ropeTheta, maxPositionEmbeddings, tieWordEmbeddings);
  }

  /** A new width: hidden size and SwiGLU size (heads unchanged). */
  public LlamaConfig withHiddenSize(int hidden, int intermediate) {
    return new LlamaConfig(vocabSize, hidden, intermediate, numHiddenLayers, numAttentionHeads,
        numKeyValueHeads, rmsNormEps, ropeTheta, maxPositionEmbeddings, tieWordEmbeddings);
  }

  public LlamaConfig withNumHiddenLayers(int layers) {
    return new LlamaConfig(vocabSize, hiddenSize, intermediateSize, layers, numAttentionHeads,
        numKeyValueHeads, rmsNormEps, ropeTheta, maxPositionEmbeddings, tieWordEmbeddings);
  }

  /** Query heads and key/value heads. */
  public LlamaConfig withHeads(int heads, int kvHeads) {
    return new LlamaConfig(vocabSize, hiddenSize, intermediateSize, numHiddenLayers, heads,
        kvHeads, rmsNormEps, ropeTheta, maxPositionEmbeddings, tieWordEmbeddings);
  }

  public LlamaConfig withMaxPositionEmbeddings(int positions) {
    return new LlamaConfig(vocabSize, hiddenSize, intermediateSize, numHiddenLayers,
        numAttentionHeads, numKeyValueHeads, rmsNormEps, ropeTheta, positions, tieWordEmbeddings);
  }

  public LlamaConfig withRopeTheta(double theta) {
    return new LlamaConfig(vocabSize, hiddenSize, intermediateSize, numHiddenLayers,
        numAttentionHeads, numKeyValueHeads, rmsNormEps, theta, maxPositionEmbeddings,
        tieWordEmbeddings);
  }

  public LlamaConfig withRmsNormEps(double eps) {
    return new LlamaConfig(vocabSize, hiddenSize, intermediateSize, numHiddenLayers,
        numAttentionHeads, numKeyValueHeads, eps, ropeTheta, maxPositionEmbeddings,
        tieWordEmbeddings);
  }

  public LlamaConfig withTieWordEmbeddings(boolean tie) {
    return new LlamaConfig(vocabSize, hiddenSize, intermediateSize, numHiddenLayers,
        numAttentionHeads, numKeyValueHeads, rmsNormEps, ropeTheta, maxPositionEmbeddings, tie);
  }

  // ------------------------------------------------------------------ JSON

  /**
   * Parses HF's {@code config.json}. Unknown keys (token ids, {@code torch_dtype},
   * {@code transformers_version}, …) are ignored; HF's defaults apply to missing optional keys
   * ({@code num_key_value_heads} = heads, {@code rms_norm_eps} 1e-6, {@code rope_theta} 10⁴,
   * {@code max_position_embeddings} 2048, {@code tie_word_embeddings} false). Settings this
   * model cannot honour fail instead of loading a different model: another
   * {@code model_type}, {@code hidden_act} other than silu, attention or MLP biases,
   * {@code rope_scaling}, a {@code head_dim} other than hidden / heads.
   *
   * @throws IllegalArgumentException for malformed JSON, missing sizes or unsupported settings
   */
  public static LlamaConfig fromJson(String json) {
    JsonNode n;
    try {
      n = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("LlamaConfig: malformed config.json: "
          + e.getOriginalMessage(), e);
    }
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException("LlamaConfig: config.json must be a JSON object");
    }
    String type = text(n, "model_type", "llama");
    if (!type.equals("llama")) {
      throw new IllegalArgumentException(
          "LlamaConfig: unsupported model_type '" + type + "' (expected 'llama')");
    }
    String act = text(n, "hidden_act", "silu");
    if (!act.equals("silu")) {
      throw new IllegalArgumentException(
          "LlamaConfig: unsupported hidden_act '" + act + "' (LLaMA's MLP is SwiGLU: 'silu')");
    }
    for (String bias : new String[] {"attention_bias", "mlp_bias"}) {
      if (n.path(bias).asBoolean(false)) {
        throw new IllegalArgumentException("LlamaConfig: " + bias + " = true is not supported");
      }
    }
    JsonNode scaling = n.get("rope_scaling");
    if (scaling != null && !scaling.isNull()) {
      throw new IllegalArgumentException(
          "LlamaConfig: rope_scaling is not supported, got " + scaling);
    }
    int vocab = integer(n, "vocab_size", null);
    int hidden = integer(n, "hidden_size", null);
    int intermediate = integer(n, "intermediate_size", null);
    int layers = integer(n, "num_hidden_layers", null);
    int heads = integer(n, "num_attention_heads", null);
    JsonNode headDim = n.get("head_dim");
    if (headDim != null && !headDim.isNull() && heads > 0
        && headDim.asInt() * heads != hidden) {
      throw new IllegalArgumentException("LlamaConfig: head_dim " + headDim.asInt()
          + " != hidden_size / num_attention_heads (" + hidden + " / " + heads + ")");
    }
    return new LlamaConfig(
        vocab,
        hidden,
        intermediate,
        layers,
        heads,
        integer(n, "num_key_value_heads", heads),
        number(n, "rms_norm_eps", 1e-6),
        number(n, "rope_theta", 10_000),
        integer(n, "max_position_embeddings", 2048),
        n.has("tie_word_embeddings") ? bool(n, "tie_word_embeddings") : false);
  }

  /** Reads {@code config.json}: {@code path} is the file or the model directory holding it. */
  public static LlamaConfig load(Path path) throws IOException {
    Path file = Files.isDirectory(path) ? path.resolve(FILE_NAME) : path;
    if (!Files.isRegularFile(file)) {
      throw new java.io.FileNotFoundException("LlamaConfig: no " + FILE_NAME + " at " + file);
    }
    try {
      return fromJson(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  /** HF's {@code config.json} for this config, keys sorted as transformers writes them. */
  public String toJson() {
    ObjectNode o = JSON.createObjectNode();
    o.putArray("architectures").add("LlamaForCausalLM");
    o.put("attention_bias", false);
    o.put("head_dim", headDim());
    o.put("hidden_act", "silu");
    o.put("hidden_size", hiddenSize);
    o.put("initializer_range", INITIALIZER_RANGE);
    o.put("intermediate_size", intermediateSize);
    o.put("max_position_embeddings", maxPositionEmbeddings);
    o.put("mlp_bias", false);
    o.put("model_type", "llama");
    o.put("num_attention_heads", numAttentionHeads);
    o.put("num_hidden_layers", numHiddenLayers);
    o.put("num_key_value_heads", numKeyValueHeads);
    o.put("rms_norm_eps", rmsNormEps);
    o.putNull("rope_scaling");
    o.put("rope_theta", ropeTheta);
    o.put("tie_word_embeddings", tieWordEmbeddings);
    o.put("torch_dtype", "float32");
    o.put("vocab_size", vocabSize);
    try {
      return JSON.writeValueAsString(o) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Writes {@link #toJson()} atomically (a sibling temporary file renamed over the target): a
   * failed write leaves an existing file intact. {@code path} is the file or a directory.
   */
  public void save(Path path) throws IOException {
    Path file = Files.isDirectory(path) ? path.resolve(FILE_NAME) : path;
    writeAtomically(file, toJson());
  }

  static void writeAtomically(Path file, String text) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
    try {
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE,
            StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static JsonNode required(JsonNode n, String key) {
    JsonNode v = n.get(key);
    if (v == null || v.isNull()) {
      throw new IllegalArgumentException("LlamaConfig: config.json has no '" + key + "'");
    }
    return v;
  }

  private static int integer(JsonNode n, String key, Integer fallback) {
    JsonNode v = n.get(key);
    if (v == null || v.isNull()) {
      if (fallback == null) {
        required(n, key);
      }
      return fallback;
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw new IllegalArgumentException(
          "LlamaConfig: '" + key + "' must be an integer, got " + v);
    }
    return v.intValue();
  }

  private static double number(JsonNode n, String key, double fallback) {
    JsonNode v = n.get(key);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.isNumber()) {
      throw new IllegalArgumentException("LlamaConfig: '" + key + "' must be a number, got " + v);
    }
    return v.doubleValue();
  }

  private static boolean bool(JsonNode n, String key) {
    JsonNode v = n.get(key);
    if (!v.isBoolean()) {
      throw new IllegalArgumentException(
          "LlamaConfig: '" + key + "' must be true or false, got " + v);
    }
    return v.booleanValue();
  }

  private static String text(JsonNode n, String key, String fallback) {
    JsonNode v = n.get(key);
    return v == null || v.isNull() ? fallback : v.asText();
  }
}
