package dev.nabla.nn.conv;

/** Formatting shared by the pooling and upsampling layers' printouts and messages. */
final class ConvText {
  private ConvText() {}

  /** "3" for (3, 3), "(3, 2)" otherwise, as torch prints an int-or-tuple argument. */
  static String pair(int[] v) {
    return v[0] == v[1] ? Integer.toString(v[0]) : "(" + v[0] + ", " + v[1] + ")";
  }
}
