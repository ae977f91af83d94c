package dev.nabla.nn.conv;

import dev.nabla.core.Tensor;
import java.util.Arrays;

/**
 * Functional upsampling, as {@code torch.nn.functional}: {@code pixel_shuffle},
 * {@code pixel_unshuffle} and {@code interpolate} (nearest and bilinear) over NCHW inputs.
 *
 * <p>Pixel shuffle (sub-pixel convolution, Shi et al., ESPCN, arXiv:1609.05158) moves channel
 * c·r² + i·r + j of (*, C·r², H, W) to position (h·r + i, w·r + j) of channel c of
 * (*, C, H·r, W·r); unshuffle is its inverse.
 *
 * <p>Interpolation follows torch 1.13 exactly. Given a scale factor s the output size is
 * ⌊in·s⌋ and the coordinate transform uses 1/s; given a size it uses in/out. Bilinear without
 * align corners maps output o to src = max((o + ½)·scale − ½, 0) (half-pixel centres); with align
 * corners src = o·(in − 1)/(out − 1); it reads ⌊src⌋ and the next pixel, clamped at the edge.
 * Nearest reads min(⌊o·scale⌋, in − 1), computed in float as torch does.
 *
 * <pre>{@code
 * Tensor up = Resampling.interpolate(x, 2.0, Upsample.Mode.BILINEAR);
 * Tensor sr = Resampling.pixelShuffle(features, 3);        // (N, 9C, H, W) → (N, C, 3H, 3W)
 * }</pre>
 *
 * @see PixelShuffle
 * @see Upsample
 */
public final class Resampling {
  private Resampling() {}

  // ------------------------------------------------------------------ pixel shuffle

  /** (*, C·r², H, W) → (*, C, H·r, W·r). */
  public static Tensor pixelShuffle(Tensor x, int upscaleFactor) {
    return pixelShuffle("pixelShuffle", x, upscaleFactor);
  }

  /** (*, C, H·r, W·r) → (*, C·r², H, W), the inverse of {@link #pixelShuffle}. */
  public static Tensor pixelUnshuffle(Tensor x, int downscaleFactor) {
    return pixelUnshuffle("pixelUnshuffle", x, downscaleFactor);
  }

  static Tensor pixelShuffle(String who, Tensor x, int r) {
    int[] s = checkShuffle(who, x, r);
    int d = s.length;
    int c = s[d - 3];
    int h = s[d - 2];
    int w = s[d - 1];
    if (c % (r * r) != 0) {
      throw new IllegalArgumentException(who + ": expects its input's 'channel' dimension to be"
          + " divisible by the square of upscale_factor, but input.size(-3)=" + c
          + " is not divisible by " + r * r + " (input shape " + x.shape() + ")");
    }
    int ow = w * r;
    int[] index = new int[h * r * ow];
    for (int oh = 0; oh < h * r; oh++) {
      for (int ox = 0; ox < ow; ox++) {
        int i = oh % r;
        int j = ox % r;
        index[oh * ow + ox] = ((i * r + j) * h + oh / r) * w + ox / r;
      }
    }
    int[] out = s.clone();
    out[d - 3] = c / (r * r);
    out[d - 2] = h * r;
    out[d - 1] = w * r;
    int planes = x.numel() / Math.max(1, r * r * h * w);
    return PlaneMap.gather(r * r * h * w, index).apply(who, x, planes, out);
  }

  static Tensor pixelUnshuffle(String who, Tensor x, int r) {
    int[] s = checkShuffle(who, x, r);
    int d = s.length;
    int c = s[d - 3];
    int h = s[d - 2];
    int w = s[d - 1];
    if (h % r != 0 || w % r != 0) {
      String dim = h % r != 0 ? "height" : "width";
      throw new IllegalArgumentException(who + ": expects " + dim + " to be divisible by"
          + " downscale_factor, but input.size(" + (h % r != 0 ? -2 : -1) + ")="
          + (h % r != 0 ? h : w) + " is not divisible by " + r + " (input shape " + x.shape()
          + ")");
    }
    int oh = h / r;
    int ow = w / r;
    int[] index = new int[h * w];
    for (int i = 0; i < r; i++) {
      for (int j = 0; j < r; j++) {
        for (int a = 0; a < oh; a++) {
          for (int b = 0; b < ow; b++) {
            index[((i * r + j) * oh + a) * ow + b] = (a * r + i) * w + b * r + j;
          }
        }
      }
    }
    int[] out = s.clone();
    out[d - 3] = c * r * r;
    out[d - 2] = oh;
    out[d - 1] = ow;
    int planes = x.numel() / Math.max(1, h * w);
    return PlaneMap.gather(h * w, index).apply(who, x, planes, out);
  }

  private static int[] checkShuffle(String who, Tensor x, int r) {
    if (r <= 0) {
      throw new IllegalArgumentException(who + ": factor must be positive, got " + r);
    }
    if (x.dim() < 3) {
      throw new IllegalArgumentException(who + ": expected an input of at least 3 dimensions"
          + " (*, C, H, W), got shape " + x.shape());
    }
    return x.shape().toArray();
  }

  // ------------------------------------------------------------------ interpolate

  /** Upsamples (or downsamples) by {@code scaleFactor} along H and W. */
  public static Tensor interpolate(Tensor x, double scaleFactor, Upsample.Mode mode) {
    return interpolate(x, null, new double[] {scaleFactor}, mode, null);
  }

  /** Resizes to (height, width). */
  public static Tensor interpolate(Tensor x, int height, int width, Upsample.Mode mode) {
    return interpolate(x, new int[] {height, width}, null, mode, null);
  }

  /**
   * torch's {@code interpolate} for 4-D input: exactly one of {@code size} (one value or (H, W))
   * and {@code scaleFactor} (one value or (sH, sW)); {@code alignCorners} only with BILINEAR
   * (null means false).
   */
  public static Tensor interpolate(Tensor x, int[] size, double[] scaleFactor,
      Upsample.Mode mode, Boolean alignCorners) {
    return interpolate("interpolate", x, size, scaleFactor, mode, alignCorners);
  }

  static Tensor interpolate(String who, Tensor x, int[] size, double[] scaleFactor,
      Upsample.Mode mode, Boolean alignCorners) {
    checkArguments(who, size, scaleFactor, mode, alignCorners);
    if (x.dim() != 4) {
      throw new IllegalArgumentException(who + ": expected a 4-D input (N, C, H, W), got shape "
          + x.shape());
    }
    int h = x.size(2);
    int w = x.size(3);
    double sh = -1;
    double sw = -1;
    int oh;
    int ow;
    if (size != null) {
      oh = size[0];
      ow = size.length == 2 ? size[1] : size[0];
    } else {
      sh = scaleFactor[0];
      sw = scaleFactor.length == 2 ? scaleFactor[1] : scaleFactor[0];
      oh = (int) (h * sh);
      ow = (int) (w * sw);
    }
    if (h <= 0 || w <= 0 || oh <= 0 || ow <= 0) {
      throw new IllegalArgumentException(who + ": input and output sizes should be greater than"
          + " 0, but got input (H: " + h + ", W: " + w + ") output (H: " + oh + ", W: " + ow
          + ") for input shape " + x.shape());
    }
    boolean corners = alignCorners != null && alignCorners;
    Axis rows = mode == Upsample.Mode.NEAREST ? Axis.nearest(h, oh, sh)
        : Axis.linear(h, oh, corners, sh);
    Axis cols = mode == Upsample.Mode.NEAREST ? Axis.nearest(w, ow, sw)
        : Axis.linear(w, ow, corners, sw);
    int[] out = {x.size(0), x.size(1), oh, ow};
    return PlaneMap.separable(rows, cols, 1.0).apply(who, x, x.size(0) * x.size(1), out);
  }

  /** The argument rules shared by {@link Upsample}'s constructor and {@link #interpolate}. */
  static void checkArguments(String who, int[] size, double[] scaleFactor, Upsample.Mode mode,
      Boolean alignCorners) {
    if (mode == null) {
      throw new IllegalArgumentException(who + ": mode must be NEAREST or BILINEAR, got null");
    }
    boolean hasSize = size != null && size.length > 0;
    boolean hasScale = scaleFactor != null && scaleFactor.length > 0;
    if (hasSize == hasScale) {
      throw new IllegalArgumentException(who + (hasSize
          ? ": only one of size or scale_factor should be defined, got size "
              + Arrays.toString(size) + " and scale_factor " + Arrays.toString(scaleFactor)
          : ": either size or scale_factor should be defined"));
    }
    if (hasSize && (size.length > 2 || Arrays.stream(size).anyMatch(v -> v <= 0))) {
      throw new IllegalArgumentException(who + ": size must be one positive int or a positive"
          + " pair (H, W), got " + Arrays.toString(size));
    }
    if (hasScale && (scaleFactor.length > 2
        || Arrays.stream(scaleFactor).anyMatch(v -> !(v > 0) || Double.isInfinite(v)))) {
      throw new IllegalArgumentException(who + ": scale_factor must be one positive number or a"
          + " positive pair (sH, sW), got " + Arrays.toString(scaleFactor));
    }
    if (alignCorners != null && mode == Upsample.Mode.NEAREST) {
      throw new IllegalArgumentException(who + ": align_corners option can only be set with the"
          + " interpolating modes: bilinear");
    }
  }
}
