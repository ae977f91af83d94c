package dev.nabla.nn.conv;

import dev.nabla.core.Tensor;
import dev.nabla.nn.Layer;
import java.util.Arrays;

/**
 * Resizes NCHW input by a scale factor or to a size, by nearest-neighbour or bilinear
 * interpolation, exactly as torch 1.13's {@code nn.Upsample}: bilinear uses half-pixel centres
 * (src = (dst + ½)·scale − ½, clamped at 0) unless {@code alignCorners}, which maps corner pixels
 * onto corner pixels (src = dst·(in − 1)/(out − 1)); with a scale factor s the output is ⌊in·s⌋
 * and scale = 1/s, with a size scale = in/out. No parameters. Shape: (N, C, H, W) →
 * (N, C, H_out, W_out).
 *
 * <pre>{@code
 * var up = Upsample.withScale(2.0, Upsample.Mode.BILINEAR);
 * var fixed = Upsample.withSize(64, 48, Upsample.Mode.BILINEAR, true);   // align corners
 * }</pre>
 *
 * @see Resampling#interpolate(Tensor, int[], double[], Mode, Boolean)
 */
public final class Upsample extends Layer {
  /** Interpolation modes. */
  public enum Mode {
    /** The nearest source pixel (torch's legacy {@code 'nearest'} rule). */
    NEAREST,
    /** Linear in H and in W from the 4 surrounding pixels. */
    BILINEAR
  }

  private final int[] size;
  private final double[] scaleFactor;
  private final Mode mode;
  private final Boolean alignCorners;
  private final String label;

  /**
   * Exactly one of {@code size} (one int or (H, W)) and {@code scaleFactor} (one value or
   * (sH, sW)) must be given; {@code alignCorners} (nullable: false) only with BILINEAR.
   */
  public Upsample(int[] size, double[] scaleFactor, Mode mode, Boolean alignCorners) {
    Resampling.checkArguments("Upsample", size, scaleFactor, mode, alignCorners);
    this.size = size == null || size.length == 0 ? null : size.clone();
    this.scaleFactor = scaleFactor == null || scaleFactor.length == 0 ? null
        : scaleFactor.clone();
    this.mode = mode;
    this.alignCorners = alignCorners;
    this.label = name() + "(" + extraRepr() + ")";
  }

  /** Scale both H and W by {@code scaleFactor}. */
  public static Upsample withScale(double scaleFactor, Mode mode) {
    return new Upsample(null, new double[] {scaleFactor}, mode, null);
  }

  /** Bilinear scaling with the given corner alignment. */
  public static Upsample withScale(double scaleFactor, Mode mode, boolean alignCorners) {
    return new Upsample(null, new double[] {scaleFactor}, mode, alignCorners);
  }

  /** Resize to (height, width). */
  public static Upsample withSize(int height, int width, Mode mode) {
    return new Upsample(new int[] {height, width}, null, mode, null);
  }

  /** Bilinear resize with the given corner alignment. */
  public static Upsample withSize(int height, int width, Mode mode, boolean alignCorners) {
    return new Upsample(new int[] {height, width}, null, mode, alignCorners);
  }

  @Override public Tensor forward(Tensor x) {
    return Resampling.interpolate(label, x, size, scaleFactor, mode, alignCorners);
  }

  /** The output size, or null when a scale factor is given. */
  public int[] size() {
    return size == null ? null : size.clone();
  }

  /** The scale factor(s), or null when a size is given. */
  public double[] scaleFactor() {
    return scaleFactor == null ? null : scaleFactor.clone();
  }

  public Mode mode() {
    return mode;
  }

  /** Whether corners are aligned (false when unset). */
  public boolean alignCorners() {
    return alignCorners != null && alignCorners;
  }

  @Override protected String extraRepr() {
    String what = size != null ? "size=" + Arrays.toString(size)
        : "scale_factor=" + (scaleFactor.length == 1 ? Double.toString(scaleFactor[0])
            : Arrays.toString(scaleFactor));
    return what + ", mode=" + mode.name().toLowerCase(java.util.Locale.ROOT)
        + (alignCorners == null ? "" : ", align_corners=" + alignCorners);
  }
}
