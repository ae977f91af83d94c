package dev.nabla.core.internal.kernel;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the kernels once per JVM: {@code -Dnabla.kernels=scalar} forces the scalar ones;
 * otherwise the Vector API implementation is loaded by name when the JVM has the
 * {@code jdk.incubator.vector} module, else scalar with one warning saying how to enable SIMD.
 */
final class KernelLoader {
  private KernelLoader() {}

  static final Kernels ACTIVE = load();

  private static Kernels load() {
    Logger log = LoggerFactory.getLogger(Kernels.class);
    String forced = System.getProperty("nabla.kernels", "").trim();
    if (forced.equalsIgnoreCase("scalar")) {
      log.info("SIMD kernels: scalar (forced by -Dnabla.kernels=scalar)");
      return ScalarKernels.INSTANCE;
    }
    if (!forced.isEmpty() && !forced.equalsIgnoreCase("vector") && !forced.equalsIgnoreCase("auto")) {
      throw new IllegalArgumentException(
          "-Dnabla.kernels must be one of auto, vector, scalar; got '" + forced + "'");
    }
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
      log.warn("SIMD disabled: add --add-modules jdk.incubator.vector to the JVM options "
          + "(running scalar kernels)");
      return ScalarKernels.INSTANCE;
    }
    try {
      Class<?> c = Class.forName("dev.nabla.core.internal.kernel.VectorKernels");
      Kernels k = (Kernels) c.getDeclaredConstructor().newInstance();
      log.info("SIMD kernels: {}", k.description());
      return k;
    } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
      log.warn("SIMD disabled: the Vector API kernels could not be loaded ({}); running scalar",
          e.toString());
      return ScalarKernels.INSTANCE;
    }
  }
}
