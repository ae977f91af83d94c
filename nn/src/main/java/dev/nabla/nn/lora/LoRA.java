package dev.nabla.nn.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradMode;
import dev.nabla.core.io.SafeTensors;
import dev.nabla.core.linalg.Linalg;
import dev.nabla.nn.Embedding;
import dev.nabla.nn.Layer;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Parameter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * LoRA on a whole model: {@link #apply} wraps the target layers, {@link #saveAdapter} and
 * {@link #loadAdapter} move the adapter alone (PEFT's file names and layout), {@link #merge} and
 * {@link #mergeAndUnload} fold it into the weights, and {@link #extract} turns a full fine-tune
 * into a LoRA by truncated SVD. Hu et al., arXiv:2106.09685.
 *
 * <pre>{@code
 * var config = LoRAConfig.of(8, 16, "q_proj", "v_proj");
 * LoRA.Summary s = LoRA.apply(model, config, rng);     // trainable params: … || trainable%: 0.5
 * var opt = new AdamW(model.trainableParameters(), AdamW.options().lr(1e-3));
 * // … train …
 * LoRA.saveAdapter(model, config, Path.of("adapter"));  // adapter_model.safetensors + config
 * LoRA.merge(model);                                     // zero-overhead inference
 * }</pre>
 *
 * <p>How a model runs its adapters: each target {@link Linear} (or {@link Embedding}) gets its
 * {@link LoRALinear} (or {@link LoRAEmbedding}) installed as an adapter hook
 * ({@link Linear#setAdapter}), so parents that call the layer through a field — the usual way
 * to write a {@link Layer} — run the adapted layer unchanged; and the wrapper takes the layer's
 * place in its parent's registry ({@link Layer#replaceChild}), so the model's names read as
 * PEFT's: {@code …q_proj.base_layer.weight}, {@code …q_proj.lora_A.weight},
 * {@code …q_proj.lora_B.weight}.
 */
public final class LoRA {
  /** The adapter weights' file in an adapter folder (PEFT's name). */
  public static final String WEIGHTS_FILE = "adapter_model.safetensors";
  /** The adapter configuration's file in an adapter folder (PEFT's name). */
  public static final String CONFIG_FILE = "adapter_config.json";
  /** PEFT's prefix of adapter tensor names; written on save, optional on load. */
  public static final String PEFT_PREFIX = "base_model.model.";

  private LoRA() {}

  /** Jackson is loaded only when adapter configs are read or written. */
  private static final class Json {
    static final ObjectMapper MAPPER =
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  }

  // ------------------------------------------------------------------ apply

  /**
   * What {@link #apply} did: the dotted names of the adapted layers and the parameter counts
   * afterwards (total includes the adapters). {@code toString} prints them as PEFT's
   * {@code print_trainable_parameters}.
   */
  public record Summary(List<String> adaptedLayers, long trainableParameters,
      long totalParameters) {
    public Summary {
      adaptedLayers = List.copyOf(adaptedLayers);
    }

    /** 100 · trainable / total. */
    public double trainablePercent() {
      return totalParameters == 0 ? 0 : 100.0 * trainableParameters / totalParameters;
    }

    @Override public String toString() {
      return String.format(Locale.ROOT,
          "trainable params: %,d || all params: %,d || trainable%%: %.4f (%d LoRA layers)",
          trainableParameters, totalParameters, trainablePercent(), adaptedLayers.size());
    }
  }

  /**
   * Wraps every layer of {@code model} that {@code config} targets — {@link Linear} in
   * {@link LoRALinear}, {@link Embedding} in {@link LoRAEmbedding} — and freezes every other
   * parameter, so that {@code model.trainableParameters()} is exactly the adapters' A and B
   * (those of earlier {@code apply} calls included).
   * Layers inside existing LoRA wrappers and the model itself are never targets. Everything is
   * checked before anything changes. {@code rng} draws the adapters' initial values (in the
   * order of the model's layers) and their dropout streams.
   *
   * @return the adapted names and trainable/total parameter counts
   * @throws IllegalArgumentException if a target module name (or the regex) matches no layer,
   *     a target is not a Linear or Embedding or is already adapted, or r exceeds min(in, out) of
   *     a target
   */
  public static Summary apply(Layer model, LoRAConfig config, RandomGenerator rng) {
    if (model == null || config == null || rng == null) {
      throw new IllegalArgumentException("LoRA.apply: model, config and rng must not be null");
    }
    Map<String, Layer> layers = model.namedLayers();
    List<String> targets = new ArrayList<>();
    Set<String> unmatched = new LinkedHashSet<>(config.targetModules());
    boolean regexMatched = false;
    List<String> wrappers = new ArrayList<>();
    for (var e : layers.entrySet()) {
      String name = e.getKey();
      if (name.isEmpty() || insideWrapper(name, wrappers)) {
        continue;
      }
      if (e.getValue() instanceof LoRALayer) {
        wrappers.add(name);
      }
      if (config.matches(name)) {
        targets.add(name);
        regexMatched = true;
        unmatched.removeIf(t -> LoRAConfig.matchesModule(t, name));
      }
    }
    if (config.targetRegex() != null && !regexMatched) {
      throw new IllegalArgumentException("LoRA.apply: target regex '" + config.targetRegex()
          + "' matches no layer of " + model.name() + "; " + candidates(layers));
    }
    if (!unmatched.isEmpty()) {
      throw new IllegalArgumentException("LoRA.apply: target module(s) " + unmatched
          + " match no layer of " + model.name() + "; " + candidates(layers));
    }
    for (String name : targets) {
      Layer layer = layers.get(name);
      if (layer instanceof LoRALayer) {
        throw new IllegalArgumentException("LoRA.apply: '" + name + "' already has a LoRA"
            + " adapter; unload it first (LoRA.unload or LoRA.mergeAndUnload)");
      }
      int limit;
      if (layer instanceof Linear l) {
        limit = Math.min(l.inFeatures(), l.outFeatures());
        if (l.adapter() != null) {
          throw new IllegalArgumentException("LoRA.apply: '" + name + "' already has an adapter");
        }
      } else if (layer instanceof Embedding emb) {
        limit = Math.min(emb.numEmbeddings(), emb.embeddingDim());
        if (emb.adapter() != null) {
          throw new IllegalArgumentException("LoRA.apply: '" + name + "' already has an adapter");
        }
      } else {
        throw new IllegalArgumentException("LoRA.apply: target '" + name + "' is a "
            + layer.name() + "; only Linear and Embedding layers can be adapted (narrow the"
            + " target names or the regex)");
      }
      if (config.r() > limit) {
        throw new IllegalArgumentException("LoRA.apply: r=" + config.r() + " exceeds min(in, out)"
            + " = " + limit + " of '" + name + "' (" + layer + ")");
      }
    }
    // A layer registered under several names gets one wrapper, put in every place.
    Map<Layer, Layer> wrapped = new IdentityHashMap<>();
    for (String name : targets) {
      Layer layer = layers.get(name);
      Layer wrapper = wrapped.computeIfAbsent(layer, l -> l instanceof Linear lin
          ? new LoRALinear(lin, config.r(), config.alpha(), config.dropout(), rng)
          : new LoRAEmbedding((Embedding) l, config.r(), config.alpha(), rng));
      int dot = name.lastIndexOf('.');
      Layer parent = layers.get(dot < 0 ? "" : name.substring(0, dot));
      parent.replaceChild(name.substring(dot + 1), wrapper);
    }
    model.freeze();
    for (LoRALayer l : adapters(model).values()) { // earlier adapters stay trainable too
      for (Parameter p : l.adapterParameters().values()) {
        p.requiresGrad(true);
      }
    }
    return new Summary(targets, model.numParameters(true), model.numParameters(false));
  }

  private static boolean insideWrapper(String name, List<String> wrappers) {
    for (String w : wrappers) {
      if (name.startsWith(w + ".")) {
        return true;
      }
    }
    return false;
  }

  private static String candidates(Map<String, Layer> layers) {
    List<String> names = new ArrayList<>();
    for (var e : layers.entrySet()) {
      if (!e.getKey().isEmpty()
          && (e.getValue() instanceof Linear || e.getValue() instanceof Embedding)) {
        names.add(e.getKey());
      }
    }
    if (names.isEmpty()) {
      return "it has no Linear or Embedding layers";
    }
    int shown = Math.min(names.size(), 12);
    return "its Linear/Embedding layers are " + String.join(", ", names.subList(0, shown))
        + (shown < names.size() ? ", … (" + names.size() + " in all)" : "");
  }

  // ------------------------------------------------------------------ whole-model switches

  /** Every LoRA wrapper of {@code model} by dotted name, in order. */
  public static Map<String, LoRALayer> adapters(Layer model) {
    Map<String, LoRALayer> out = new LinkedHashMap<>();
    for (var e : model.namedLayers().entrySet()) {
      if (e.getValue() instanceof LoRALayer l) {
        out.put(e.getKey(), l);
      }
    }
    return out;
  }

  private static Map<String, LoRALayer> requireAdapters(String op, Layer model) {
    Map<String, LoRALayer> a = adapters(model);
    if (a.isEmpty()) {
      throw new IllegalArgumentException(
          "LoRA." + op + ": " + model.name() + " has no LoRA layers; call LoRA.apply first");
    }
    return a;
  }

  /** Merges every adapter into its base weight ({@link LoRALayer#merge()}). */
  public static void merge(Layer model) {
    requireAdapters("merge", model).values().forEach(LoRALayer::merge);
  }

  /** Unmerges every adapter ({@link LoRALayer#unmerge()}). */
  public static void unmerge(Layer model) {
    requireAdapters("unmerge", model).values().forEach(LoRALayer::unmerge);
  }

  /** Turns every adapter on or off ({@link LoRALayer#enabled(boolean)}). */
  public static void enable(Layer model, boolean on) {
    requireAdapters("enable", model).values().forEach(l -> l.enabled(on));
  }

  /** A scope in which the adapters are off; closing it turns them back on. */
  public interface Disabled extends AutoCloseable {
    @Override void close();
  }

  /**
   * Turns the adapters off until the returned scope closes: the base model as the frozen
   * reference (DPO), without a second copy of the weights.
   *
   * <pre>{@code
   * try (var ref = LoRA.disabled(policy)) { refLogits = policy.forward(x); }
   * }</pre>
   */
  public static Disabled disabled(Layer model) {
    Map<String, LoRALayer> a = requireAdapters("disabled", model);
    List<LoRALayer> turnedOff = new ArrayList<>();
    for (LoRALayer l : a.values()) {
      if (l.isEnabled()) {
        l.enabled(false);
        turnedOff.add(l);
      }
    }
    return () -> turnedOff.forEach(l -> l.enabled(true));
  }

  /**
   * Merges every adapter and puts each base layer back in its parent's place: the model is a
   * plain model again (its state dict has the base names, with ΔW folded in). Parameters stay
   * frozen; call {@code unfreeze()} to train them.
   */
  public static Layer mergeAndUnload(Layer model) {
    for (LoRALayer l : requireAdapters("mergeAndUnload", model).values()) {
      if (!l.isMerged()) {
        l.merge();
      }
    }
    return unload(model);
  }

  /**
   * Removes every adapter, unmerged ones without a trace, and puts each base layer back in its
   * parent's place. Parameters stay frozen.
   */
  public static Layer unload(Layer model) {
    Map<String, Layer> layers = model.namedLayers();
    for (var e : requireAdapters("unload", model).entrySet()) {
      String name = e.getKey();
      if (name.isEmpty()) {
        throw new IllegalArgumentException(
            "LoRA.unload: the model itself is a LoRA layer; use its base()");
      }
      LoRALayer l = e.getValue();
      if (l instanceof LoRALinear lin) {
        lin.detach();
      } else {
        ((LoRAEmbedding) l).detach();
      }
      int dot = name.lastIndexOf('.');
      layers.get(dot < 0 ? "" : name.substring(0, dot))
          .replaceChild(name.substring(dot + 1), l.base());
    }
    return model;
  }

  // ------------------------------------------------------------------ adapter files

  /**
   * The adapters' tensors by dotted in-model name, e.g. {@code layers.0.self_attn.q_proj.lora_A
   * .weight} and {@code embed_tokens.lora_embedding_A} (live tensors, not copies).
   */
  public static Map<String, Tensor> adapterStateDict(Layer model) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (var e : adapters(model).entrySet()) {
      String prefix = e.getKey().isEmpty() ? "" : e.getKey() + ".";
      for (var p : e.getValue().adapterParameters().entrySet()) {
        out.put(prefix + p.getKey(), p.getValue());
      }
    }
    return out;
  }

  /**
   * Writes the adapters alone into folder {@code dir}: {@value #WEIGHTS_FILE} with PEFT's
   * names ({@value #PEFT_PREFIX} + the in-model name, e.g.
   * {@code base_model.model.layers.0.self_attn.q_proj.lora_A.weight}) and {@value #CONFIG_FILE}
   * (r, lora_alpha, lora_dropout, target_modules, as PEFT's). Each file is written atomically
   * (temp file + rename): a failure leaves the previous file intact.
   *
   * @throws IllegalArgumentException if the model has no adapters or they were not made with
   *     {@code config}'s r and alpha
   */
  public static void saveAdapter(Layer model, LoRAConfig config, Path dir) throws IOException {
    Map<String, LoRALayer> a = requireAdapters("saveAdapter", model);
    for (var e : a.entrySet()) {
      LoRALayer l = e.getValue();
      if (l.rank() != config.r() || l.alpha() != config.alpha()) {
        throw new IllegalArgumentException("LoRA.saveAdapter: '" + e.getKey() + "' has r="
            + l.rank() + ", alpha=" + l.alpha() + " but the config says r=" + config.r()
            + ", alpha=" + config.alpha());
      }
    }
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    adapterStateDict(model).forEach((k, v) -> tensors.put(PEFT_PREFIX + k, v));
    Files.createDirectories(dir);
    SafeTensors.save(dir.resolve(WEIGHTS_FILE), tensors, Map.of("format", "pt"));
    writeAtomically(dir.resolve(CONFIG_FILE), Json.MAPPER.writeValueAsBytes(toJson(config)));
  }

  /**
   * Applies the adapter saved in folder {@code dir} (by {@link #saveAdapter} or PEFT) to a fresh
   * {@code model} and loads its weights: the model then computes exactly what the saved one did.
   * On any error the model is left as it was. Adapter parameters are trainable afterwards;
   * {@code rng} seeds their dropout streams.
   *
   * @throws IllegalArgumentException if the file's tensors do not match the adapted layers
   *     (missing, unexpected, or shape mismatch) or the config is invalid
   */
  public static Summary loadAdapter(Layer model, Path dir, RandomGenerator rng)
      throws IOException {
    LoRAConfig config = readConfig(dir.resolve(CONFIG_FILE));
    Map<String, Tensor> file = new LinkedHashMap<>();
    SafeTensors.load(dir.resolve(WEIGHTS_FILE)).tensors().forEach((k, v) ->
        file.put(k.startsWith(PEFT_PREFIX) ? k.substring(PEFT_PREFIX.length()) : k, v));
    Map<Parameter, Boolean> wasTrainable = new IdentityHashMap<>();
    model.parameters().forEach(p -> wasTrainable.put(p, p.isRequiresGrad()));
    Summary summary = apply(model, config, rng);
    try {
      Map<String, Tensor> own = adapterStateDict(model);
      List<String> problems = new ArrayList<>();
      for (var e : own.entrySet()) {
        Tensor t = file.get(e.getKey());
        if (t == null) {
          problems.add("missing " + e.getKey());
        } else if (!t.shape().equals(e.getValue().shape())) {
          problems.add(e.getKey() + ": file " + t.shape() + " vs model " + e.getValue().shape());
        }
      }
      for (String k : file.keySet()) {
        if (!own.containsKey(k)) {
          problems.add("unexpected " + k);
        }
      }
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException("LoRA.loadAdapter: " + dir.resolve(WEIGHTS_FILE)
            + " does not fit " + model.name() + " adapted by its config: "
            + String.join("; ", problems));
      }
      try (var off = GradMode.disabled()) {
        own.forEach((k, v) -> v.copyFrom(file.get(k)));
      }
    } catch (RuntimeException e) {
      unload(model);
      wasTrainable.forEach((p, on) -> p.requiresGrad(on));
      throw e;
    }
    return summary;
  }

  /** Reads an {@value #CONFIG_FILE} written by {@link #saveAdapter} or PEFT. */
  public static LoRAConfig readConfig(Path path) throws IOException {
    JsonNode n = Json.MAPPER.readTree(path.toFile());
    String where = "LoRA.readConfig(" + path + ")";
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException(where + ": expected a JSON object");
    }
    if (n.has("peft_type") && !"LORA".equals(n.get("peft_type").asText())) {
      throw new IllegalArgumentException(
          where + ": peft_type is " + n.get("peft_type") + ", expected \"LORA\"");
    }
    for (String flag : List.of("use_rslora", "use_dora", "fan_in_fan_out")) {
      if (n.path(flag).asBoolean(false)) {
        throw new UnsupportedOperationException(where + ": " + flag + "=true is not supported");
      }
    }
    if (n.has("bias") && !"none".equals(n.get("bias").asText())) {
      throw new UnsupportedOperationException(
          where + ": bias=" + n.get("bias") + " is not supported (only \"none\")");
    }
    for (String pattern : List.of("rank_pattern", "alpha_pattern")) {
      if (n.has(pattern) && n.get(pattern).size() > 0) {
        throw new UnsupportedOperationException(where + ": " + pattern + " is not supported");
      }
    }
    if (!n.path("r").canConvertToInt() || !n.path("lora_alpha").isNumber()) {
      throw new IllegalArgumentException(where + ": needs integer \"r\" and number \"lora_alpha\"");
    }
    JsonNode targets = n.path("target_modules");
    List<String> modules = new ArrayList<>();
    String regex = null;
    if (targets.isTextual()) {
      regex = targets.asText();
    } else if (targets.isArray()) {
      targets.forEach(t -> modules.add(t.asText()));
    } else {
      throw new IllegalArgumentException(
          where + ": \"target_modules\" must be a list of names or a regex string");
    }
    return new LoRAConfig(n.get("r").asInt(), n.get("lora_alpha").asDouble(),
        n.path("lora_dropout").asDouble(0), modules, regex);
  }

  private static ObjectNode toJson(LoRAConfig config) {
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("peft_type", "LORA");
    n.put("r", config.r());
    n.put("lora_alpha", config.alpha());
    n.put("lora_dropout", config.dropout());
    if (config.targetRegex() != null) {
      n.put("target_modules", config.targetRegex());
    } else {
      ArrayNode a = n.putArray("target_modules");
      config.targetModules().forEach(a::add);
    }
    n.put("bias", "none");
    n.put("fan_in_fan_out", false);
    n.put("init_lora_weights", true);
    return n;
  }

  private static void writeAtomically(Path target, byte[] bytes) throws IOException {
    dev.nabla.core.io.AtomicFiles.write(target, bytes);
  }

  // ------------------------------------------------------------------ extraction

  /**
   * A rank-r update ΔW ≈ B·A found by {@link #extract}: A (r, in) = diag(√σ)·Vₕ, B (out, r) =
   * U·diag(√σ) (the singular values split evenly, so both factors have the same scale). The
   * product needs no further scaling: used in a {@link LoRALinear}, load it with
   * {@link LoRALinear#load}, which divides B by that layer's α/r (or make the layer with
   * α = r).
   *
   * @param singularValues all singular values of the difference, descending
   * @param retainedEnergy Σ kept σ² / Σ all σ² (1 for a zero difference)
   */
  public record Extraction(Tensor a, Tensor b, Tensor singularValues, double retainedEnergy) {
    /** The rank r. */
    public int rank() {
      return a.size(0);
    }

    /** B·A (out, in). */
    public Tensor delta() {
      try (var off = GradMode.disabled()) {
        return b.matmul(a);
      }
    }
  }

  /**
   * The best rank-{@code r} approximation (Eckart–Young, in Frobenius and spectral norm) of
   * {@code finetuned − base}, by truncated SVD: the "fine-tune fully, keep an SVD of the delta"
   * path. Shapes: both (out, in) → A (r, in), B (out, r).
   *
   * @throws IllegalArgumentException if the weights are not 2-D of one shape and floating dtype,
   *     or r is not in [1, min(out, in)]
   */
  public static Extraction extract(Tensor finetuned, Tensor base, int r) {
    if (finetuned.dim() != 2 || !finetuned.shape().equals(base.shape())) {
      throw new IllegalArgumentException("LoRA.extract: expected two 2-D weights (out, in) of"
          + " one shape, got " + finetuned.shape() + " and " + base.shape());
    }
    if (!finetuned.dtype().isFloatingPoint() || finetuned.dtype() != base.dtype()) {
      throw new IllegalArgumentException("LoRA.extract: expected one floating-point dtype, got "
          + finetuned.dtype() + " and " + base.dtype());
    }
    int k = Math.min(finetuned.size(0), finetuned.size(1));
    if (r <= 0 || r > k) {
      throw new IllegalArgumentException("LoRA.extract: r must be in [1, min(out, in)] = [1, " + k
          + "] for weights " + finetuned.shape() + ", got " + r);
    }
    try (var off = GradMode.disabled()) {
      Linalg.Svd svd = Linalg.svd(finetuned.detach().sub(base.detach()), false);
      double[] s = svd.s().toDoubleArray();
      double kept = 0;
      double total = 0;
      for (int i = 0; i < s.length; i++) {
        total += s[i] * s[i];
        if (i < r) {
          kept += s[i] * s[i];
        }
      }
      Tensor root = svd.s().narrow(0, 0, r).clampMin(0).sqrt(); // (r)
      Tensor b = svd.u().narrow(1, 0, r).mul(root).contiguous();            // (out, r)
      Tensor a = svd.vh().narrow(0, 0, r).mul(root.unsqueeze(1)).contiguous(); // (r, in)
      return new Extraction(a, b, svd.s(), total == 0 ? 1.0 : kept / total);
    }
  }
}
