package dev.nabla.core.internal.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Constructor;
import java.util.function.IntSupplier;

/**
 * The Vector API kernels (loaded by name by {@link KernelLoader}). The work is done by
 * {@link VectorEngine}, whose species must be a {@code static final} constant for the JIT: the
 * hardware's preferred width uses that class as is; another width ({@code -Dnabla.vector.bits},
 * or tests at 128/256/512 bits) gets a copy of it defined by a {@link WidthLoader}, from which
 * the copy's static initialiser reads its width.
 */
public final class VectorKernels implements Kernels {
  /** The name of the class loaders of the width-specific copies (a compile-time constant). */
  static final String LOADER_NAME = "nabla-vector-width";
  private static final String ENGINE = "dev.nabla.core.internal.kernel.VectorEngine";
  private static final int[] WIDTHS = {64, 128, 256, 512};
  private static final Kernels[] COPIES = new Kernels[WIDTHS.length];

  private final Kernels engine;

  /**
   * The preferred vector width, or {@code -Dnabla.vector.bits} (128, 256 or 512, at most the
   * preferred width; e.g. 256 to avoid AVX-512 frequency drops).
   */
  public VectorKernels() {
    int preferred = VectorEngine.preferredBits();
    String p = System.getProperty("nabla.vector.bits", "").trim();
    int bits = preferred;
    if (!p.isEmpty()) {
      try {
        bits = Integer.parseInt(p);
      } catch (NumberFormatException e) {
        bits = -1;
      }
      if (bits < 128 || indexOf(bits) < 0 || bits > preferred) {
        throw new IllegalArgumentException("-Dnabla.vector.bits must be 128, 256 or 512 and at "
            + "most the hardware's " + preferred + " bits; got '" + p + "'");
      }
    }
    engine = forWidth(bits);
  }

  /**
   * Kernels for {@code bits}-bit vectors (64, 128, 256 or 512), also wider than the hardware's,
   * which the Vector API then emulates (slowly, but with the same results). For tests.
   */
  VectorKernels(int bits) {
    if (indexOf(bits) < 0) {
      throw new IllegalArgumentException("unsupported vector width: " + bits);
    }
    engine = forWidth(bits);
  }

  private static int indexOf(int bits) {
    for (int i = 0; i < WIDTHS.length; i++) {
      if (WIDTHS[i] == bits) {
        return i;
      }
    }
    return -1;
  }

  private static synchronized Kernels forWidth(int bits) {
    int i = indexOf(bits);
    if (COPIES[i] == null) {
      COPIES[i] = bits == VectorEngine.preferredBits() ? new VectorEngine() : widthCopy(bits);
    }
    return COPIES[i];
  }

  /** A copy of {@link VectorEngine} whose static species is {@code bits} wide. */
  private static Kernels widthCopy(int bits) {
    try {
      Class<?> c = Class.forName(ENGINE, true, new WidthLoader(bits));
      Constructor<?> ctor = c.getDeclaredConstructor();
      ctor.setAccessible(true);
      return (Kernels) ctor.newInstance();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot load the " + bits + "-bit kernels", e);
    }
  }

  /**
   * Defines its own copy of {@link VectorEngine} (and of any class nested in it) from the same
   * bytes, everything else coming from the parent; the copy asks it for the width.
   */
  private static final class WidthLoader extends ClassLoader implements IntSupplier {
    static {
      registerAsParallelCapable();
    }

    private final int bits;

    WidthLoader(int bits) {
      super(LOADER_NAME, VectorKernels.class.getClassLoader());
      this.bits = bits;
    }

    @Override
    public int getAsInt() {
      return bits;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      if (!name.equals(ENGINE) && !name.startsWith(ENGINE + "$")) {
        return super.loadClass(name, resolve);
      }
      synchronized (getClassLoadingLock(name)) {
        Class<?> c = findLoadedClass(name);
        if (c == null) {
          byte[] bytes;
          try (InputStream in = getParent().getResourceAsStream(name.replace('.', '/')
              + ".class")) {
            if (in == null) {
              throw new ClassNotFoundException(name + " is not readable as a resource");
            }
            bytes = in.readAllBytes();
          } catch (IOException e) {
            throw new ClassNotFoundException(name, e);
          }
          c = defineClass(name, bytes, 0, bytes.length, VectorKernels.class.getProtectionDomain());
        }
        if (resolve) {
          resolveClass(c);
        }
        return c;
      }
    }
  }

  @Override
  public String description() {
    return engine.description();
  }

  @Override
  public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
      float beta, float[] c, int cOff, int ldc) {
    engine.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
  }

  @Override
  public void gemmBatched(int batch, boolean transA, boolean transB, int m, int n, int k,
      float alpha, float[] a, int aOff, int strideA, int lda, float[] b, int bOff, int strideB,
      int ldb, float beta, float[] c, int cOff, int strideC, int ldc) {
    engine.gemmBatched(batch, transA, transB, m, n, k, alpha, a, aOff, strideA, lda, b, bOff,
        strideB, ldb, beta, c, cOff, strideC, ldc);
  }

  @Override
  public float dot(int n, float[] x, int xOff, float[] y, int yOff) {
    return engine.dot(n, x, xOff, y, yOff);
  }

  @Override
  public void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
    engine.axpy(n, alpha, x, xOff, y, yOff);
  }

  @Override
  public void scale(int n, float alpha, float[] x, int xOff) {
    engine.scale(n, alpha, x, xOff);
  }

  @Override
  public void unary(UnaryOp op, int n, float[] x, int xOff, float[] y, int yOff) {
    engine.unary(op, n, x, xOff, y, yOff);
  }

  @Override
  public void binary(BinaryOp op, int n, float[] a, int aOff, float[] b, int bOff, float[] y,
      int yOff) {
    engine.binary(op, n, a, aOff, b, bOff, y, yOff);
  }

  @Override
  public void binaryScalar(BinaryOp op, int n, float[] a, int aOff, float s, float[] y,
      int yOff) {
    engine.binaryScalar(op, n, a, aOff, s, y, yOff);
  }

  @Override
  public float sum(int n, float[] x, int xOff) {
    return engine.sum(n, x, xOff);
  }

  @Override
  public float max(int n, float[] x, int xOff) {
    return engine.max(n, x, xOff);
  }

  @Override
  public float sumOfSquares(int n, float[] x, int xOff) {
    return engine.sumOfSquares(n, x, xOff);
  }

  @Override
  public void softmaxRows(int rows, int cols, float[] x, int xOff, float[] y, int yOff,
      boolean log) {
    engine.softmaxRows(rows, cols, x, xOff, y, yOff, log);
  }

  @Override
  public void rmsNormRows(int rows, int cols, float[] x, int xOff, float[] weight, float eps,
      float[] y, int yOff, float[] invRms) {
    engine.rmsNormRows(rows, cols, x, xOff, weight, eps, y, yOff, invRms);
  }

  @Override
  public void layerNormRows(int rows, int cols, float[] x, int xOff, float[] weight,
      float[] bias, float eps, float[] y, int yOff, float[] mean, float[] rstd) {
    engine.layerNormRows(rows, cols, x, xOff, weight, bias, eps, y, yOff, mean, rstd);
  }
}
