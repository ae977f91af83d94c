package dev.nabla.nn.lora;

import static dev.nabla.nn.lora.LoRALinearTest.assertClose;
import static dev.nabla.nn.lora.LoRALinearTest.randomize;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradMode;
import dev.nabla.core.io.SafeTensors;
import dev.nabla.core.linalg.Linalg;
import dev.nabla.nn.Embedding;
import dev.nabla.nn.Layer;
import dev.nabla.nn.LayerList;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Parameter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoRATest {

  /** Single-head attention whose forward calls its projections through fields, as users write. */
  static final class TinyAttention extends Layer {
    private final Linear qProj;
    private final Linear kProj;
    private final Linear vProj;
    private final Linear oProj;
    private final int dim;

    TinyAttention(int dim, int kvDim, Rng rng) {
      this.dim = dim;
      qProj = register("q_proj", new Linear(dim, kvDim, false, rng));
      kProj = register("k_proj", new Linear(dim, kvDim, false, rng));
      vProj = register("v_proj", new Linear(dim, kvDim, false, rng));
      oProj = register("o_proj", new Linear(kvDim, dim, false, rng));
    }

    @Override public Tensor forward(Tensor x) { // (T, dim)
      Tensor q = qProj.forward(x);
      Tensor k = kProj.forward(x);
      Tensor v = vProj.forward(x);
      Tensor att = q.matmul(k.t()).mul(1 / Math.sqrt(q.size(-1))).softmax(-1);
      return x.add(oProj.forward(att.matmul(v)));
    }
  }

  static final class Block extends Layer {
    private final TinyAttention selfAttn;
    private final Linear upProj;

    Block(int dim, Rng rng) {
      selfAttn = register("self_attn", new TinyAttention(dim, dim / 2, rng));
      upProj = register("up_proj", new Linear(dim, dim, rng));
    }

    @Override public Tensor forward(Tensor x) {
      Tensor h = selfAttn.forward(x);
      return h.add(upProj.forward(h).tanh());
    }
  }

  /** ids (T) → logits (T, vocab). */
  static final class TinyModel extends Layer {
    private final Embedding embedTokens;
    private final LayerList<Block> layers;
    private final Linear lmHead;

    TinyModel(long seed) {
      Rng rng = new Rng(seed);
      embedTokens = register("embed_tokens", new Embedding(20, 8, rng));
      layers = register("layers", new LayerList<>(List.of(new Block(8, rng), new Block(8, rng))));
      lmHead = register("lm_head", new Linear(8, 20, false, rng));
    }

    @Override public Tensor forward(Tensor ids) {
      Tensor h = embedTokens.forward(ids);
      for (Block b : layers) {
        h = b.forward(h);
      }
      return lmHead.forward(h);
    }
  }

  private static final Tensor IDS = Tensor.of(new long[] {1, 5, 2, 19, 7, 7}, 6);

  private static void randomizeAdapters(Layer model, long seed) {
    for (LoRALayer l : LoRA.adapters(model).values()) {
      for (Parameter p : l.adapterParameters().values()) {
        randomize(p, seed++);
      }
    }
  }

  @Test void applyWrapsTargetsThatParentsCallThroughFields() {
    TinyModel model = new TinyModel(0);
    Tensor base = model.forward(IDS);
    long total0 = model.numParameters(false);
    LoRA.Summary s = LoRA.apply(model, LoRAConfig.of(2, 4, "q_proj", "v_proj"), new Rng(1));
    assertEquals(List.of("layers.0.self_attn.q_proj", "layers.0.self_attn.v_proj",
        "layers.1.self_attn.q_proj", "layers.1.self_attn.v_proj"), s.adaptedLayers());
    long adapterParams = 4L * (2 * 8 + 4 * 2);
    assertEquals(adapterParams, s.trainableParameters());
    assertEquals(total0 + adapterParams, s.totalParameters());
    assertEquals(100.0 * adapterParams / (total0 + adapterParams), s.trainablePercent(), 1e-12);
    assertTrue(s.toString().startsWith("trainable params: 96 || all params: "), s.toString());
    assertTrue(s.toString().contains("trainable%: "), s.toString());
    Map<String, Layer> layers = model.namedLayers();
    assertInstanceOf(LoRALinear.class, layers.get("layers.0.self_attn.q_proj"));
    assertInstanceOf(Linear.class, layers.get("layers.0.self_attn.k_proj"));
    Set<String> keys = model.stateDict().keySet();
    assertTrue(keys.contains("layers.0.self_attn.q_proj.base_layer.weight"), keys.toString());
    assertTrue(keys.contains("layers.0.self_attn.q_proj.lora_A.weight"));
    assertTrue(keys.contains("layers.1.self_attn.v_proj.lora_B.weight"));
    assertTrue(keys.contains("layers.0.self_attn.k_proj.weight"));
    // Starts equal to the base, through the fields of TinyAttention.
    assertArrayEquals(base.toFloatArray(), model.forward(IDS).toFloatArray());
    // Trained adapters change the output, exactly as base + (α/r)·x·Aᵀ·Bᵀ in each target.
    randomizeAdapters(model, 10);
    Tensor adapted = model.forward(IDS);
    assertFalse(java.util.Arrays.equals(base.toFloatArray(), adapted.toFloatArray()));
    Tensor reference = referenceForward(model, IDS);
    assertArrayEquals(reference.toFloatArray(), adapted.toFloatArray());
  }

  /** The adapted model computed by hand from its weights: no hooks involved. */
  private static Tensor referenceForward(TinyModel m, Tensor ids) {
    Map<String, Tensor> w = m.stateDict();
    Tensor h = Tensor.embedding(w.get("embed_tokens.weight"), ids);
    for (int i = 0; i < 2; i++) {
      String p = "layers." + i + ".";
      Tensor x = h;
      Tensor q = lora(w, p + "self_attn.q_proj", x);
      Tensor k = x.matmul(w.get(p + "self_attn.k_proj.weight").t());
      Tensor v = lora(w, p + "self_attn.v_proj", x);
      Tensor att = q.matmul(k.t()).mul(1 / Math.sqrt(q.size(-1))).softmax(-1);
      h = x.add(att.matmul(v).matmul(w.get(p + "self_attn.o_proj.weight").t()));
      h = h.add(h.matmul(w.get(p + "up_proj.weight").t()).add(w.get(p + "up_proj.bias")).tanh());
    }
    return h.matmul(w.get("lm_head.weight").t());
  }

  private static Tensor lora(Map<String, Tensor> w, String name, Tensor x) {
    return x.matmul(w.get(name + ".base_layer.weight").t()).add(x.matmul(
        w.get(name + ".lora_A.weight").t()).mul(2.0).matmul(w.get(name + ".lora_B.weight").t()));
  }

  @Test void onlyAdaptersTrainAndFrozenWeightsStayBitIdentical() {
    TinyModel model = new TinyModel(2);
    LoRA.apply(model, LoRAConfig.of(2, 4, "q_proj", "v_proj", "embed_tokens"), new Rng(3));
    List<Parameter> trainable = model.trainableParameters();
    Map<Tensor, Boolean> adapterParams = new IdentityHashMap<>();
    LoRA.adapters(model).values().forEach(
        l -> l.adapterParameters().values().forEach(p -> adapterParams.put(p, true)));
    assertEquals(adapterParams.size(), trainable.size());
    trainable.forEach(p -> assertTrue(adapterParams.containsKey(p)));
    Map<String, float[]> frozen = new java.util.LinkedHashMap<>();
    model.namedParameters().forEach((k, p) -> {
      if (!adapterParams.containsKey(p)) {
        frozen.put(k, p.toFloatArray());
      }
    });
    assertEquals(model.parameters().size() - trainable.size(), frozen.size());
    Tensor target = Tensor.of(new long[] {2, 3, 4, 5, 6, 7}, 6);
    AdamW opt = new AdamW(trainable, 0.05, 0.01);
    double first = 0;
    double last = 0;
    for (int step = 0; step < 20; step++) {
      opt.zeroGrad();
      Tensor logits = model.forward(IDS);
      Tensor loss = logits.logSoftmax(-1).gather(1, target.unsqueeze(1)).mean().neg();
      loss.backward();
      for (var e : model.namedParameters().entrySet()) {
        if (!adapterParams.containsKey(e.getValue())) {
          assertNull(e.getValue().grad(), e.getKey() + " got a gradient");
        }
      }
      opt.step();
      last = loss.item();
      if (step == 0) {
        first = last;
      }
    }
    assertTrue(last < first, "loss " + first + " → " + last);
    model.namedParameters().forEach((k, p) -> {
      if (frozen.containsKey(k)) {
        assertArrayEquals(frozen.get(k), p.toFloatArray(), k + " changed");
      }
    });
  }

  /** AdamW (decoupled decay), as torch.optim.AdamW, over an explicit parameter list. */
  static final class AdamW {
    private final List<Parameter> params;
    private final double lr;
    private final double decay;
    private final List<double[]> m = new ArrayList<>();
    private final List<double[]> v = new ArrayList<>();
    private int t;

    AdamW(List<Parameter> params, double lr, double decay) {
      this.params = params;
      this.lr = lr;
      this.decay = decay;
      params.forEach(p -> {
        m.add(new double[p.numel()]);
        v.add(new double[p.numel()]);
      });
    }

    void zeroGrad() {
      params.forEach(Tensor::zeroGrad);
    }

    void step() {
      t++;
      for (int i = 0; i < params.size(); i++) {
        Parameter p = params.get(i);
        if (p.grad() == null) {
          continue;
        }
        double[] w = p.toDoubleArray();
        double[] g = p.grad().toDoubleArray();
        for (int j = 0; j < w.length; j++) {
          w[j] *= 1 - lr * decay;
          m.get(i)[j] = 0.9 * m.get(i)[j] + 0.1 * g[j];
          v.get(i)[j] = 0.999 * v.get(i)[j] + 0.001 * g[j] * g[j];
          double mh = m.get(i)[j] / (1 - Math.pow(0.9, t));
          double vh = v.get(i)[j] / (1 - Math.pow(0.999, t));
          w[j] -= lr * mh / (Math.sqrt(vh) + 1e-8);
        }
        try (var off = GradMode.disabled()) {
          p.copyFrom(Tensor.of(w, p.shape().toArray()).to(p.dtype()));
        }
      }
    }
  }

  @Test void targetsByRegexAndEmbedding() {
    TinyModel model = new TinyModel(4);
    LoRA.Summary s = LoRA.apply(model,
        LoRAConfig.regex(2, 2, "layers\\.1\\.self_attn\\.[qkv]_proj|embed_tokens"), new Rng(5));
    assertEquals(List.of("embed_tokens", "layers.1.self_attn.q_proj", "layers.1.self_attn.k_proj",
        "layers.1.self_attn.v_proj"), s.adaptedLayers());
    assertInstanceOf(LoRAEmbedding.class, model.namedLayers().get("embed_tokens"));
    assertTrue(model.stateDict().containsKey("embed_tokens.lora_embedding_A"));
  }

  @Test void clearErrorsAndNothingChangesOnBadInput() {
    TinyModel model = new TinyModel(6);
    Map<String, String> before = types(model);
    var e = assertThrows(IllegalArgumentException.class,
        () -> LoRA.apply(model, LoRAConfig.of(2, 2, "q_proj", "query"), new Rng(0)));
    assertTrue(e.getMessage().contains("[query] match no layer of TinyModel"), e.getMessage());
    assertTrue(e.getMessage().contains("layers.0.self_attn.q_proj"), e.getMessage());
    // Whole dotted segments only: "proj" is not a suffix name of "q_proj".
    assertThrows(IllegalArgumentException.class,
        () -> LoRA.apply(model, LoRAConfig.of(2, 2, "proj"), new Rng(0)));
    e = assertThrows(IllegalArgumentException.class,
        () -> LoRA.apply(model, LoRAConfig.regex(2, 2, ".*\\.nothing"), new Rng(0)));
    assertTrue(e.getMessage().contains("matches no layer"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> LoRA.apply(model, LoRAConfig.of(2, 2, "self_attn"), new Rng(0)));
    assertTrue(e.getMessage().contains("is a TinyAttention; only Linear and Embedding"),
        e.getMessage());
    // r = 5 > min(8, 4) of q_proj; checked before the earlier targets are touched.
    e = assertThrows(IllegalArgumentException.class,
        () -> LoRA.apply(model, LoRAConfig.of(5, 2, "up_proj", "q_proj"), new Rng(0)));
    assertTrue(e.getMessage().contains("r=5 exceeds min(in, out) = 4"), e.getMessage());
    assertEquals(before, types(model));
    model.parameters().forEach(p -> assertTrue(p.isRequiresGrad()));
    assertThrows(IllegalArgumentException.class, () -> LoRAConfig.of(0, 2, "q_proj"));
    assertThrows(IllegalArgumentException.class, () -> LoRAConfig.of(-1, 2, "q_proj"));
    assertThrows(IllegalArgumentException.class, () -> LoRAConfig.of(2, 2));
    assertThrows(IllegalArgumentException.class, () -> LoRAConfig.regex(2, 2, "(unclosed"));
    assertThrows(IllegalArgumentException.class,
        () -> LoRAConfig.of(2, 2, "q_proj").withDropout(1));
    // Applying twice to the same layers.
    LoRA.apply(model, LoRAConfig.of(2, 2, "q_proj"), new Rng(0));
    e = assertThrows(IllegalArgumentException.class,
        () -> LoRA.apply(model, LoRAConfig.of(2, 2, "q_proj"), new Rng(0)));
    assertTrue(e.getMessage().contains("already has a LoRA adapter"), e.getMessage());
    // A second, different target set is fine.
    LoRA.Summary s = LoRA.apply(model, LoRAConfig.of(2, 2, "v_proj"), new Rng(0));
    assertEquals(4, LoRA.adapters(model).size());
    assertEquals(4L * (2 * 8 + 4 * 2), s.trainableParameters()); // earlier adapters stay trainable
  }

  private static Map<String, String> types(Layer model) {
    return model.namedLayers().entrySet().stream().collect(Collectors.toMap(
        Map.Entry::getKey, e -> e.getValue().name()));
  }

  @Test void saveAndLoadAdapterReproducesOutputsExactly(@TempDir Path dir) throws Exception {
    TinyModel model = new TinyModel(7);
    LoRAConfig config = LoRAConfig.of(2, 4, "q_proj", "v_proj", "embed_tokens").withDropout(0.1);
    LoRA.apply(model, config, new Rng(8));
    randomizeAdapters(model, 20);
    model.eval();
    Tensor adapted = model.forward(IDS);
    LoRA.saveAdapter(model, config, dir);

    var file = SafeTensors.load(dir.resolve(LoRA.WEIGHTS_FILE)).tensors();
    assertEquals(LoRA.adapterStateDict(model).size(), file.size());
    assertTrue(file.containsKey("base_model.model.layers.0.self_attn.q_proj.lora_A.weight"),
        file.keySet().toString());
    assertTrue(file.containsKey("base_model.model.layers.1.self_attn.v_proj.lora_B.weight"));
    assertTrue(file.containsKey("base_model.model.embed_tokens.lora_embedding_A"));
    assertTrue(file.keySet().stream().noneMatch(k -> k.contains("base_layer")));
    JsonNode json = new ObjectMapper().readTree(dir.resolve(LoRA.CONFIG_FILE).toFile());
    assertEquals("LORA", json.get("peft_type").asText());
    assertEquals(2, json.get("r").asInt());
    assertEquals(4.0, json.get("lora_alpha").asDouble());
    assertEquals(0.1, json.get("lora_dropout").asDouble());
    assertEquals("[\"q_proj\",\"v_proj\",\"embed_tokens\"]", json.get("target_modules").toString());
    assertEquals(config, LoRA.readConfig(dir.resolve(LoRA.CONFIG_FILE)));
    try (var files = Files.list(dir)) {
      assertEquals(2, files.count(), "no temp files left behind");
    }

    TinyModel fresh = new TinyModel(7);
    LoRA.Summary s = LoRA.loadAdapter(fresh, dir, new Rng(99));
    assertEquals(5, s.adaptedLayers().size()); // 4 projections + the embedding
    fresh.eval();
    assertArrayEquals(adapted.toFloatArray(), fresh.forward(IDS).toFloatArray());
    assertEquals(model.trainableParameters().size(), fresh.trainableParameters().size());

    // A regex config round-trips as PEFT's string form.
    Path dir2 = dir.resolve("regex");
    LoRAConfig rc = LoRAConfig.regex(2, 4, ".*q_proj");
    TinyModel m2 = new TinyModel(7);
    LoRA.apply(m2, rc, new Rng(1));
    LoRA.saveAdapter(m2, rc, dir2);
    assertEquals(rc, LoRA.readConfig(dir2.resolve(LoRA.CONFIG_FILE)));
    assertThrows(IllegalArgumentException.class,
        () -> LoRA.saveAdapter(m2, LoRAConfig.regex(4, 4, ".*q_proj"), dir2));
  }

  @Test void loadingOntoAModelThatDoesNotFitFailsAndLeavesItIntact(@TempDir Path dir)
      throws Exception {
    TinyModel model = new TinyModel(9);
    LoRAConfig config = LoRAConfig.of(2, 4, "q_proj");
    LoRA.apply(model, config, new Rng(1));
    LoRA.saveAdapter(model, config, dir);
    // Drop one tensor from the file: the load must name it and undo the wrapping.
    Map<String, Tensor> file = new java.util.LinkedHashMap<>(
        SafeTensors.load(dir.resolve(LoRA.WEIGHTS_FILE)).tensors());
    file.remove("base_model.model.layers.1.self_attn.q_proj.lora_B.weight");
    file.put("base_model.model.layers.1.self_attn.q_proj.lora_C.weight", Tensor.zeros(1));
    SafeTensors.save(dir.resolve(LoRA.WEIGHTS_FILE), file);
    TinyModel fresh = new TinyModel(9);
    Tensor before = fresh.forward(IDS);
    Map<String, String> types = types(fresh);
    var e = assertThrows(IllegalArgumentException.class,
        () -> LoRA.loadAdapter(fresh, dir, new Rng(0)));
    assertTrue(e.getMessage().contains("missing layers.1.self_attn.q_proj.lora_B.weight"),
        e.getMessage());
    assertTrue(e.getMessage().contains("unexpected layers.1.self_attn.q_proj.lora_C.weight"),
        e.getMessage());
    assertEquals(types, types(fresh));
    fresh.parameters().forEach(p -> assertTrue(p.isRequiresGrad()));
    assertArrayEquals(before.toFloatArray(), fresh.forward(IDS).toFloatArray());
  }

  @Test void mergeUnloadAndDisabledScope() {
    TinyModel model = new TinyModel(10);
    Tensor base = model.forward(IDS);
    Map<String, Tensor> baseState = new java.util.LinkedHashMap<>();
    model.stateDict().forEach((k, v) -> baseState.put(k, v.copy()));
    LoRA.apply(model, LoRAConfig.of(2, 4, "q_proj", "v_proj", "embed_tokens"), new Rng(11));
    randomizeAdapters(model, 30);
    Tensor adapted = model.forward(IDS);
    try (var ref = LoRA.disabled(model)) {
      assertArrayEquals(base.toFloatArray(), model.forward(IDS).toFloatArray());
    }
    assertArrayEquals(adapted.toFloatArray(), model.forward(IDS).toFloatArray());
    LoRA.merge(model);
    assertClose(adapted, model.forward(IDS), 1e-5);
    LoRA.unmerge(model);
    assertClose(adapted, model.forward(IDS), 1e-5);
    LoRA.mergeAndUnload(model);
    assertTrue(LoRA.adapters(model).isEmpty());
    assertEquals(baseState.keySet(), model.stateDict().keySet());
    assertNull(((Linear) model.namedLayers().get("layers.0.self_attn.q_proj")).adapter());
    assertClose(adapted, model.forward(IDS), 1e-5);
    // The unloaded model takes LoRA again.
    LoRA.apply(model, LoRAConfig.of(2, 4, "q_proj"), new Rng(12));
    assertClose(adapted, model.forward(IDS), 1e-5);
    LoRA.unload(model);
    assertThrows(IllegalArgumentException.class, () -> LoRA.merge(model));
  }

  @Test void sharedLayerGetsOneWrapper() {
    Rng rng = new Rng(13);
    Linear shared = new Linear(4, 4, rng);
    Layer a = new Layer() {
      { register("proj", shared); }
    };
    Layer b = new Layer() {
      { register("proj", shared); }
    };
    Layer model = new Layer() {
      { register("a", a); register("b", b); }
    };
    LoRA.Summary s = LoRA.apply(model, LoRAConfig.of(2, 2, "proj"), rng);
    assertEquals(List.of("a.proj", "b.proj"), s.adaptedLayers());
    assertSame(model.namedLayers().get("a.proj"), model.namedLayers().get("b.proj"));
    assertEquals(2 * 4 + 4 * 2, model.numParameters(true)); // counted once
  }

  @Test void hooksInLayerLinearAndEmbedding() {
    Rng rng = new Rng(16);
    Linear lin = new Linear(3, 2, rng);
    Layer parent = new Layer() {
      { register("fc", lin); }
    };
    var e = assertThrows(IllegalArgumentException.class,
        () -> parent.replaceChild("nope", new Linear(1, 1, rng)));
    assertTrue(e.getMessage().contains("no child named 'nope'"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> parent.replaceChild("fc", null));
    Linear other = new Linear(3, 2, rng);
    assertSame(lin, parent.replaceChild("fc", other));
    assertSame(other, parent.namedChildren().get("fc"));
    // Linear: the hook's output is added; null from the hook adds nothing; one hook at a time.
    Tensor x = Tensor.randn(rng, 4, 3);
    Tensor plain = lin.forward(x);
    java.util.function.UnaryOperator<Tensor> plusOne = t -> Tensor.ones(t.size(0), 2);
    lin.setAdapter(plusOne);
    assertArrayEquals(plain.add(1).toFloatArray(), lin.forward(x).toFloatArray());
    lin.setAdapter(plusOne); // the same hook again is fine
    assertThrows(IllegalStateException.class, () -> lin.setAdapter(t -> null));
    lin.setAdapter(null);
    lin.setAdapter(t -> null);
    assertArrayEquals(plain.toFloatArray(), lin.forward(x).toFloatArray());
    Embedding emb = new Embedding(5, 2, rng);
    Tensor ids = Tensor.of(new long[] {1, 4}, 2);
    Tensor rows = emb.forward(ids);
    emb.setAdapter(t -> Tensor.full(2, DType.F32, 2, 2));
    assertArrayEquals(rows.add(2).toFloatArray(), emb.forward(ids).toFloatArray());
    assertThrows(IllegalStateException.class, () -> emb.setAdapter(t -> null));
  }

  // ------------------------------------------------------------------ extraction

  @Test void extractRecoversAnExactlyLowRankDelta() {
    Rng rng = new Rng(14);
    Tensor base = Tensor.randn(rng, 12, 10);
    Tensor delta = Tensor.randn(rng, 12, 3).matmul(Tensor.randn(rng, 3, 10));
    Tensor tuned = base.add(delta);
    LoRA.Extraction e = LoRA.extract(tuned, base, 3);
    assertEquals(3, e.rank());
    assertArrayEquals(new int[] {3, 10}, e.a().shape().toArray());
    assertArrayEquals(new int[] {12, 3}, e.b().shape().toArray());
    assertClose(delta, e.delta(), 1e-4);
    assertEquals(1.0, e.retainedEnergy(), 1e-6);
    assertEquals(10, e.singularValues().numel());
    // Into a LoRALinear with α ≠ r: the adapted layer computes the fine-tuned weight.
    Linear lin = new Linear(10, 12, false, rng);
    try (var off = GradMode.disabled()) {
      lin.weight().copyFrom(base);
    }
    LoRALinear lora = new LoRALinear(lin, 3, 16, 0, rng).load(e);
    Tensor x = Tensor.randn(rng, 4, 10);
    assertClose(x.matmul(tuned.t()), lora.forward(x), 1e-4);
  }

  @Test void extractKeepsTheTopSingularDirectionsOfANoisyDelta() {
    Rng rng = new Rng(15);
    Tensor u = Linalg.qr(Tensor.randn(rng, DType.F64, 12, 12)).q();
    Tensor v = Linalg.qr(Tensor.randn(rng, DType.F64, 10, 10)).q();
    double[] sigma = {10, 7, 5, 0.4, 0.3, 0.2, 0.15, 0.1, 0.05, 0.01};
    Tensor s = Tensor.of(sigma, 10);
    // Columns of u and v in shuffled order so the strongest directions are not the first ones.
    int[] perm = {4, 0, 7, 2, 9, 1, 3, 5, 6, 8};
    Tensor uk = u.narrow(1, 0, 10).indexSelect(1, Tensor.of(perm, 10));
    Tensor vk = v.indexSelect(1, Tensor.of(perm, 10));
    Tensor delta = uk.mul(s).matmul(vk.t());
    Tensor base = Tensor.randn(rng, DType.F64, 12, 10);
    LoRA.Extraction e = LoRA.extract(base.add(delta), base, 3);
    Tensor top3 = uk.narrow(1, 0, 3).mul(s.narrow(0, 0, 3)).matmul(vk.narrow(1, 0, 3).t());
    assertClose(top3, e.delta(), 1e-4);
    assertArrayEquals(sigma, e.singularValues().toDoubleArray(), 1e-9);
    double all = 0;
    for (double x : sigma) {
      all += x * x;
    }
    assertEquals((100 + 49 + 25) / all, e.retainedEnergy(), 1e-12);
    // The kept left directions span the top three: projecting B onto them keeps all of it.
    Tensor proj = uk.narrow(1, 0, 3).matmul(uk.narrow(1, 0, 3).t()).matmul(e.b());
    assertClose(e.b(), proj, 1e-9);
  }

  @Test void extractRejectsBadInput() {
    Tensor w = Tensor.zeros(4, 6);
    var e = assertThrows(IllegalArgumentException.class, () -> LoRA.extract(w, w, 0));
    assertTrue(e.getMessage().contains("[1, 4]"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> LoRA.extract(w, w, 5));
    assertThrows(IllegalArgumentException.class, () -> LoRA.extract(w, Tensor.zeros(6, 4), 2));
    assertThrows(IllegalArgumentException.class,
        () -> LoRA.extract(Tensor.zeros(4), Tensor.zeros(4), 1));
    LoRA.Extraction zero = LoRA.extract(w, w, 2);
    assertEquals(1.0, zero.retainedEnergy());
    assertClose(w, zero.delta(), 0);
  }
}
