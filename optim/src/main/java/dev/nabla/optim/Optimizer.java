package dev.nabla.optim;

import dev.nabla.core.DType;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradMode;
import dev.nabla.core.internal.kernel.Parallel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Base of all optimizers: parameter groups whose options default to the optimizer's, lazily
 * created per-parameter state, state dicts for checkpoints, and the
 * {@code zeroGrad(); loss.backward(); step();} cycle.
 *
 * <pre>{@code
 * var opt = new SGD(List.of(ParamGroup.of(decay).weightDecay(0.1), ParamGroup.of(rest)),
 *     SGD.options().lr(1e-2).momentum(0.9));
 * for (...) { opt.zeroGrad(); loss(model).backward(); opt.step(); }
 * opt.save(dir.resolve("optim.safetensors"));     // later: a fresh optimizer, load(...), continue
 * }</pre>
 *
 * <p>State is keyed by position, (group index, parameter index), not by identity, so it can be
 * saved and loaded into an optimizer built over fresh parameter tensors listed in the same order.
 * A resumed run continues bit-identically. Optimizers are not thread-safe; the element loops of
 * one step use {@link Parallel} for large parameters (elementwise, so the result does not depend
 * on the thread count).
 */
public abstract class Optimizer {
  /** Key in the safetensors metadata under which {@link #save} stores {@link StateDict#meta()}. */
  public static final String METADATA_KEY = "nabla.optimizer";

  private static final int STATE_DICT_VERSION = 1;

  private final List<ParamGroup> groups;
  private final List<ParamState[]> state;

  /**
   * Merges {@code defaults} into every group (a group's own options win), checks the parameters
   * (floating point, leaves, each in one group only) and then each group's options with
   * {@link #checkGroup}.
   *
   * @param groups the parameter groups (a parameter may appear in only one)
   * @param defaults option values used where a group sets none
   */
  protected Optimizer(List<ParamGroup> groups, Map<String, Double> defaults) {
    String name = getClass().getSimpleName();
    if (groups == null || groups.isEmpty()) {
      throw new IllegalArgumentException(name + ": got an empty parameter list");
    }
    Map<Tensor, int[]> seen = new IdentityHashMap<>();
    int total = 0;
    for (int g = 0; g < groups.size(); g++) {
      ParamGroup group = groups.get(g);
      if (group == null) {
        throw new IllegalArgumentException(name + ": parameter group " + g + " is null");
      }
      List<Tensor> params = group.params();
      for (int i = 0; i < params.size(); i++) {
        Tensor p = params.get(i);
        if (!p.dtype().isFloatingPoint()) {
          throw new UnsupportedOperationException(name + ": can only optimize floating-point "
              + "tensors, but parameter " + i + " of group " + g + " is " + p.dtype());
        }
        if (!p.isLeaf()) {
          throw new IllegalArgumentException(name + ": can't optimize a non-leaf tensor "
              + "(parameter " + i + " of group " + g + " was produced by an op); optimize the "
              + "leaf it was computed from, or detach() it");
        }
        int[] before = seen.put(p, new int[] {g, i});
        if (before != null) {
          throw new IllegalArgumentException(before[0] == g
              ? name + ": parameter group " + g + " lists the same parameter twice (indices "
                  + before[1] + " and " + i + ")"
              : name + ": some parameters appear in more than one parameter group (groups "
                  + before[0] + " and " + g + ")");
        }
      }
      total += params.size();
      for (var e : defaults.entrySet()) {
        if (!group.has(e.getKey())) {
          group.set(e.getKey(), e.getValue());
        }
      }
    }
    if (total == 0) {
      throw new IllegalArgumentException(name + ": got an empty parameter list");
    }
    for (int g = 0; g < groups.size(); g++) {
      checkGroup(groups.get(g), g);
    }
    this.groups = List.copyOf(groups);
    this.state = new ArrayList<>(groups.size());
    for (ParamGroup group : groups) {
      state.add(new ParamState[group.params().size()]);
    }
  }

  /**
   * Validates one group's options (after defaults are merged). Called from the constructor and
   * by {@link #loadStateDict} on the loaded options, so it must not read instance fields. Throws
   * {@link IllegalArgumentException} naming the option, its value and the group.
   */
  protected void checkGroup(ParamGroup group, int index) {}

  /** The parameter groups, in order (schedules change their {@code lr}). */
  public List<ParamGroup> paramGroups() {
    return groups;
  }

  /** Clears the gradient of every parameter (sets it to null). */
  public void zeroGrad() {
    for (ParamGroup g : groups) {
      for (Tensor p : g.params()) {
        p.zeroGrad();
      }
    }
  }

  /** Updates every parameter that has a gradient; parameters without one are skipped. */
  public abstract void step();

  /** The state of parameter {@code index} of group {@code group}, or null before its first update. */
  public ParamState state(int group, int index) {
    return state.get(group)[index];
  }

  // ------------------------------------------------------------------ update helpers

  /** One parameter's update, given its group, its (lazily created) state and its gradient. */
  @FunctionalInterface
  protected interface ParamUpdate {
    void apply(ParamGroup group, ParamState state, Tensor param, Tensor grad);
  }

  /**
   * Calls {@code update} for every parameter whose gradient is not null, group by group, in
   * order, creating its state on first use.
   */
  protected final void forEachParamWithGrad(ParamUpdate update) {
    for (int g = 0; g < groups.size(); g++) {
      ParamGroup group = groups.get(g);
      ParamState[] states = state.get(g);
      List<Tensor> params = group.params();
      for (int i = 0; i < params.size(); i++) {
        Tensor p = params.get(i);
        Tensor grad = p.grad();
        if (grad == null) {
          continue;
        }
        if (states[i] == null) {
          states[i] = new ParamState(p);
        }
        update.apply(group, states[i], p, grad);
      }
    }
  }

  /**
   * An elementwise F32 update of elements {@code [start, end)}: the parameter {@code p} and each
   * state buffer {@code s[k]} in place, from the gradient {@code g}; all arrays start at index 0.
   * Must write nothing else: disjoint ranges may run on different threads.
   */
  @FunctionalInterface
  protected interface F32Update {
    void apply(int start, int end, float[] p, float[] g, float[][] s);
  }

  /** {@link F32Update} for F64 parameters (and their F64 state). */
  @FunctionalInterface
  protected interface F64Update {
    void apply(int start, int end, double[] p, double[] g, double[][] s);
  }

  /** Elements per parallel task; smaller parameters are updated on the calling thread. */
  private static final int TASK = 1 << 15;

  /**
   * Runs one fused pass over a parameter, its gradient and its state buffers (each with the
   * parameter's shape and dtype), with no temporary tensors. F32 parameters run {@code f32}
   * directly on their arrays (in float arithmetic, like PyTorch's F32 kernels); views with an
   * offset or strides run it on copies, giving the same floats. F64 parameters run {@code f64}
   * on copies. Large parameters are split into fixed ranges across threads: the update is
   * elementwise, so the result does not depend on the thread count.
   */
  protected static void updateElements(Tensor param, Tensor grad, Tensor[] buffers,
      F32Update f32, F64Update f64) {
    int n = param.numel();
    if (n == 0) {
      return;
    }
    int k = buffers.length;
    if (param.dtype() == DType.F64) {
      double[] p = param.toDoubleArray();
      double[] g = grad.toDoubleArray();
      double[][] s = new double[k][];
      for (int b = 0; b < k; b++) {
        s[b] = buffers[b].toDoubleArray();
      }
      Parallel.forChunks(n, TASK, 8, TASK * 8L, (start, end) -> f64.apply(start, end, p, g, s));
      writeBack(param, Tensor.of(p));
      for (int b = 0; b < k; b++) {
        writeBack(buffers[b], Tensor.of(s[b]));
      }
      return;
    }
    boolean directP = isPlainF32(param);
    float[] p = directP ? param.dataF32() : param.toFloatArray();
    float[] g = isPlainF32(grad) ? grad.dataF32() : grad.toFloatArray();
    float[][] s = new float[k][];
    boolean[] directS = new boolean[k];
    for (int b = 0; b < k; b++) {
      directS[b] = isPlainF32(buffers[b]);
      s[b] = directS[b] ? buffers[b].dataF32() : buffers[b].toFloatArray();
    }
    Parallel.forChunks(n, TASK, 8, TASK * 8L, (start, end) -> f32.apply(start, end, p, g, s));
    if (!directP) {
      writeBack(param, Tensor.of(p));
    }
    for (int b = 0; b < k; b++) {
      if (!directS[b]) {
        writeBack(buffers[b], Tensor.of(s[b]));
      }
    }
  }

  /** True for a contiguous F32 tensor whose elements start at index 0 of its array. */
  private static boolean isPlainF32(Tensor t) {
    return t.dtype() == DType.F32 && t.isContiguous() && t.storageOffset() == 0;
  }

  private static void writeBack(Tensor dst, Tensor flatValues) {
    try (var off = GradMode.disabled()) {
      dst.copyFrom(flatValues.reshape(dst.shape().toArray()));
    }
  }

  // ------------------------------------------------------------------ state dicts

  /**
   * An optimizer's state, detached from it: {@code tensors} holds the per-parameter buffers
   * (copies) under {@code state.<group>.<param>.<buffer>}, e.g. {@code state.0.1.exp_avg};
   * {@code meta} is a JSON-serialisable tree (maps, lists, strings, numbers) with the optimizer's
   * class name, each group's options and parameter shapes, and each parameter's step count.
   */
  public record StateDict(Map<String, Tensor> tensors, Map<String, Object> meta) {
    public StateDict {
      if (tensors == null || meta == null) {
        throw new IllegalArgumentException("StateDict: tensors and meta must not be null");
      }
      tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
      meta = Collections.unmodifiableMap(new LinkedHashMap<>(meta));
    }
  }

  /** A snapshot of the options and state (copies: later steps do not change it). */
  public StateDict stateDict() {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    List<Object> groupMeta = new ArrayList<>();
    Map<String, Object> stateMeta = new LinkedHashMap<>();
    for (int g = 0; g < groups.size(); g++) {
      ParamGroup group = groups.get(g);
      List<Object> shapes = new ArrayList<>();
      for (Tensor p : group.params()) {
        shapes.add(toList(p.shape().toArray()));
      }
      Map<String, Object> gm = new LinkedHashMap<>();
      gm.put("options", new LinkedHashMap<>(group.options()));
      gm.put("shapes", shapes);
      groupMeta.add(gm);
      ParamState[] states = state.get(g);
      for (int i = 0; i < states.length; i++) {
        ParamState st = states[i];
        if (st == null) {
          continue;
        }
        Map<String, Object> sm = new LinkedHashMap<>();
        sm.put("step", st.step);
        sm.put("buffers", new ArrayList<>(st.buffers.keySet()));
        stateMeta.put(g + "." + i, sm);
        for (var e : st.buffers.entrySet()) {
          tensors.put("state." + g + "." + i + "." + e.getKey(), e.getValue().copy());
        }
      }
    }
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("optimizer", getClass().getSimpleName());
    meta.put("version", STATE_DICT_VERSION);
    meta.put("paramGroups", groupMeta);
    meta.put("state", stateMeta);
    return new StateDict(tensors, meta);
  }

  /**
   * Replaces the options and state with {@code dict}'s. Everything is validated first (optimizer
   * class, group count, parameter counts and shapes, options, buffer names and shapes); on
   * failure an {@link IllegalArgumentException} says what differs and nothing has changed.
   * Buffers are copied (the dict stays usable) and converted to each parameter's dtype.
   */
  public void loadStateDict(StateDict dict) {
    String name = getClass().getSimpleName();
    String where = name + ".loadStateDict: ";
    Map<String, Object> meta = dict.meta();
    Object saved = meta.get("optimizer");
    if (!name.equals(saved)) {
      throw new IllegalArgumentException(where + "the state dict is from " + saved + ", not "
          + name);
    }
    Object version = meta.get("version");
    if (!(version instanceof Number v) || v.intValue() != STATE_DICT_VERSION) {
      throw new IllegalArgumentException(where + "unsupported state dict version " + version
          + " (expected " + STATE_DICT_VERSION + ")");
    }
    List<?> groupMeta = asList(meta.get("paramGroups"), where + "paramGroups");
    if (groupMeta.size() != groups.size()) {
      throw new IllegalArgumentException(where + "loaded state dict has a different number of "
          + "parameter groups (" + groupMeta.size() + ") than the optimizer (" + groups.size()
          + ")");
    }
    // 1. Parse and check everything into fresh objects.
    List<Map<String, Double>> newOptions = new ArrayList<>();
    for (int g = 0; g < groups.size(); g++) {
      Map<?, ?> gm = asMap(groupMeta.get(g), where + "paramGroups[" + g + "]");
      List<Tensor> params = groups.get(g).params();
      List<?> shapes = asList(gm.get("shapes"), where + "paramGroups[" + g + "].shapes");
      if (shapes.size() != params.size()) {
        throw new IllegalArgumentException(where + "parameter group " + g + " has "
            + params.size() + " parameters but the saved group has " + shapes.size());
      }
      for (int i = 0; i < params.size(); i++) {
        int[] savedShape = toInts(shapes.get(i), where + "shape of parameter " + i);
        int[] shape = params.get(i).shape().toArray();
        if (!Arrays.equals(savedShape, shape)) {
          throw new IllegalArgumentException(where + "parameter " + i + " of group " + g
              + " has shape " + Arrays.toString(shape) + " but the saved one has "
              + Arrays.toString(savedShape));
        }
      }
      Map<?, ?> om = asMap(gm.get("options"), where + "paramGroups[" + g + "].options");
      Map<String, Double> options = new LinkedHashMap<>(groups.get(g).options());
      for (var e : om.entrySet()) {
        if (!(e.getValue() instanceof Number num)) {
          throw new IllegalArgumentException(where + "option " + e.getKey() + " of group " + g
              + " is not a number: " + e.getValue());
        }
        options.put(String.valueOf(e.getKey()), num.doubleValue());
      }
      ParamGroup probe = ParamGroup.of(params);
      options.forEach(probe::set);
      checkGroup(probe, g);
      newOptions.add(options);
    }
    List<ParamState[]> newState = new ArrayList<>();
    for (ParamGroup group : groups) {
      newState.add(new ParamState[group.params().size()]);
    }
    Map<?, ?> stateMeta = asMap(meta.get("state"), where + "state");
    Set<String> usedTensors = new HashSet<>();
    for (var e : stateMeta.entrySet()) {
      String key = String.valueOf(e.getKey());
      int[] gi = parseKey(key, where);
      if (gi[0] >= groups.size() || gi[1] >= groups.get(gi[0]).params().size()) {
        throw new IllegalArgumentException(where + "state for parameter " + gi[1] + " of group "
            + gi[0] + ", which does not exist");
      }
      Tensor p = groups.get(gi[0]).params().get(gi[1]);
      Map<?, ?> sm = asMap(e.getValue(), where + "state." + key);
      if (!(sm.get("step") instanceof Number step) || step.longValue() < 0) {
        throw new IllegalArgumentException(where + "state." + key + ".step is missing or invalid: "
            + sm.get("step"));
      }
      ParamState st = new ParamState(p);
      st.step = step.longValue();
      for (Object b : asList(sm.get("buffers"), where + "state." + key + ".buffers")) {
        String tensorKey = "state." + key + "." + b;
        Tensor t = dict.tensors().get(tensorKey);
        if (t == null) {
          throw new IllegalArgumentException(where + "missing tensor " + tensorKey);
        }
        if (!t.shape().equals(p.shape())) {
          throw new IllegalArgumentException(where + tensorKey + " has shape " + t.shape()
              + " but parameter " + gi[1] + " of group " + gi[0] + " has shape " + p.shape());
        }
        if (!t.dtype().isFloatingPoint()) {
          throw new IllegalArgumentException(where + tensorKey + " has dtype " + t.dtype()
              + "; expected a floating-point tensor");
        }
        Tensor copy = Tensor.zeros(p.dtype(), p.shape().toArray());
        try (var off = GradMode.disabled()) {
          copy.copyFrom(t);
        }
        st.buffers.put(String.valueOf(b), copy);
        usedTensors.add(tensorKey);
      }
      newState.get(gi[0])[gi[1]] = st;
    }
    for (String k : dict.tensors().keySet()) {
      if (!usedTensors.contains(k)) {
        throw new IllegalArgumentException(where + "unexpected tensor " + k
            + " (not listed in the state metadata)");
      }
    }
    // 2. Commit.
    for (int g = 0; g < groups.size(); g++) {
      newOptions.get(g).forEach(groups.get(g)::set);
      state.set(g, newState.get(g));
    }
  }

  /**
   * Writes {@link #stateDict()} as safetensors: the buffers as tensors, {@code meta} as JSON
   * under the metadata key {@value #METADATA_KEY}. The file is replaced atomically.
   */
  public void save(Path path) throws IOException {
    StateDicts.save(stateDict(), path);
  }

  /** Reads a file written by {@link #save} and {@linkplain #loadStateDict loads} it. */
  public void load(Path path) throws IOException {
    loadStateDict(StateDicts.load(path));
  }

  private static int[] parseKey(String key, String where) {
    String[] parts = key.split("\\.");
    try {
      if (parts.length == 2) {
        int g = Integer.parseInt(parts[0]);
        int i = Integer.parseInt(parts[1]);
        if (g >= 0 && i >= 0) {
          return new int[] {g, i};
        }
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new IllegalArgumentException(where + "bad state key '" + key
        + "' (expected <group>.<param>)");
  }

  private static List<Integer> toList(int[] a) {
    List<Integer> l = new ArrayList<>(a.length);
    for (int v : a) {
      l.add(v);
    }
    return l;
  }

  private static int[] toInts(Object o, String what) {
    List<?> l = asList(o, what);
    int[] r = new int[l.size()];
    for (int i = 0; i < r.length; i++) {
      if (!(l.get(i) instanceof Number n)) {
        throw new IllegalArgumentException(what + ": expected a list of integers, got " + o);
      }
      r[i] = n.intValue();
    }
    return r;
  }

  private static List<?> asList(Object o, String what) {
    if (o instanceof List<?> l) {
      return l;
    }
    throw new IllegalArgumentException(what + ": expected a list, got " + o);
  }

  private static Map<?, ?> asMap(Object o, String what) {
    if (o instanceof Map<?, ?> m) {
      return m;
    }
    throw new IllegalArgumentException(what + ": expected a map, got " + o);
  }

  // ------------------------------------------------------------------ per-parameter state

  /**
   * One parameter's optimizer state: named buffers with the parameter's shape and dtype (in
   * creation order; PyTorch's names, e.g. {@code exp_avg}) and a step count for algorithms that
   * need one.
   */
  public static final class ParamState {
    private final DType dtype;
    private final int[] shape;
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private long step;

    ParamState(Tensor param) {
      this.dtype = param.dtype();
      this.shape = param.shape().toArray();
    }

    /** The number of updates counted so far (0 for algorithms that do not count). */
    public long step() {
      return step;
    }

    /** Counts one more update; returns the new count (1 on the first update). */
    public long incrementStep() {
      return ++step;
    }

    /** True when the buffer exists. */
    public boolean has(String name) {
      return buffers.containsKey(name);
    }

    /** The buffer, or null if it does not exist yet. */
    public Tensor buffer(String name) {
      return buffers.get(name);
    }

    /** The buffer, created filled with {@code initialValue} if it does not exist yet. */
    public Tensor buffer(String name, double initialValue) {
      return buffers.computeIfAbsent(name, n -> Tensor.full(initialValue, dtype, shape));
    }

    /** All buffers by name, in creation order (read-only view; the tensors are live). */
    public Map<String, Tensor> buffers() {
      return Collections.unmodifiableMap(buffers);
    }
  }
}
