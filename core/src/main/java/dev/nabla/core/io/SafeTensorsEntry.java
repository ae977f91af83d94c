package dev.nabla.core.io;

import java.util.Arrays;

/**
 * One tensor's header entry, already validated: name, file dtype, shape and the byte range
 * {@code [begin, end)} of its data, relative to the first byte after the header.
 */
public final class SafeTensorsEntry {
  private final String name;
  private final SafeTensorsDType dtype;
  private final long[] shape;
  private final long numel;
  private final long begin;
  private final long end;

  SafeTensorsEntry(String name, SafeTensorsDType dtype, long[] shape, long numel, long begin,
      long end) {
    this.name = name;
    this.dtype = dtype;
    this.shape = shape;
    this.numel = numel;
    this.begin = begin;
    this.end = end;
  }

  /** The tensor's name (its key in the header). */
  public String name() {
    return name;
  }

  /** The element type stored in the file. */
  public SafeTensorsDType dtype() {
    return dtype;
  }

  /** A copy of the dimension sizes; empty for a scalar. Sizes may exceed a Java int. */
  public long[] shape() {
    return shape.clone();
  }

  /** Number of dimensions. */
  public int rank() {
    return shape.length;
  }

  /** Product of the sizes (1 for a scalar). */
  public long numel() {
    return numel;
  }

  /** First byte of the data, relative to the data region (the byte after the header). */
  public long begin() {
    return begin;
  }

  /** One past the last byte of the data, relative to the data region. */
  public long end() {
    return end;
  }

  /** {@code end - begin}: {@code numel} times the dtype's size. */
  public long byteSize() {
    return end - begin;
  }

  /** Like {@code w: F32 [2, 3] bytes [0, 24)}. */
  @Override
  public String toString() {
    return name + ": " + dtype + " " + Arrays.toString(shape) + " bytes [" + begin + ", " + end
        + ")";
  }
}
