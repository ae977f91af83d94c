package dev.nabla.core;

/**
 * A flat on-heap array of one dtype. Tensors are strided views over a storage; several views may
 * share one. Element access goes through {@code double} (or {@code long} for I64) for the generic
 * paths; hot paths reach the primitive array directly.
 */
abstract class Storage {
  abstract DType dtype();

  abstract int size();

  abstract double get(int i);

  abstract void set(int i, double v);

  long getLong(int i) {
    return (long) get(i);
  }

  void setLong(int i, long v) {
    set(i, v);
  }

  /** The primitive array behind this storage. */
  abstract Object array();

  static Storage allocate(DType dtype, int n) {
    return switch (dtype) {
      case F32 -> new F32(new float[n]);
      case F64 -> new F64(new double[n]);
      case I32 -> new I32(new int[n]);
      case I64 -> new I64(new long[n]);
      case BOOL -> new Bool(new byte[n]);
    };
  }

  static final class F32 extends Storage {
    final float[] a;

    F32(float[] a) {
      this.a = a;
    }

    @Override DType dtype() {
      return DType.F32;
    }

    @Override int size() {
      return a.length;
    }

    @Override double get(int i) {
      return a[i];
    }

    @Override void set(int i, double v) {
      a[i] = (float) v;
    }

    @Override Object array() {
      return a;
    }
  }

  static final class F64 extends Storage {
    final double[] a;

    F64(double[] a) {
      this.a = a;
    }

    @Override DType dtype() {
      return DType.F64;
    }

    @Override int size() {
      return a.length;
    }

    @Override double get(int i) {
      return a[i];
    }

    @Override void set(int i, double v) {
      a[i] = v;
    }

    @Override Object array() {
      return a;
    }
  }

  static final class I32 extends Storage {
    final int[] a;

    I32(int[] a) {
      this.a = a;
    }

    @Override DType dtype() {
      return DType.I32;
    }

    @Override int size() {
      return a.length;
    }

    @Override double get(int i) {
      return a[i];
    }

    @Override void set(int i, double v) {
      a[i] = (int) v;
    }

    @Override long getLong(int i) {
      return a[i];
    }

    @Override void setLong(int i, long v) {
      a[i] = (int) v;
    }

    @Override Object array() {
      return a;
    }
  }

  static final class I64 extends Storage {
    final long[] a;

    I64(long[] a) {
      this.a = a;
    }

    @Override DType dtype() {
      return DType.I64;
    }

    @Override int size() {
      return a.length;
    }

    @Override double get(int i) {
      return a[i];
    }

    @Override void set(int i, double v) {
      a[i] = (long) v;
    }

    @Override long getLong(int i) {
      return a[i];
    }

    @Override void setLong(int i, long v) {
      a[i] = v;
    }

    @Override Object array() {
      return a;
    }
  }

  static final class Bool extends Storage {
    final byte[] a;

    Bool(byte[] a) {
      this.a = a;
    }

    @Override DType dtype() {
      return DType.BOOL;
    }

    @Override int size() {
      return a.length;
    }

    @Override double get(int i) {
      return a[i];
    }

    @Override void set(int i, double v) {
      a[i] = (byte) (v != 0 ? 1 : 0);
    }

    @Override Object array() {
      return a;
    }
  }
}
