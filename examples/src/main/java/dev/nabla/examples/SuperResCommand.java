package dev.nabla.examples;

import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradMode;
import dev.nabla.nn.Layer;
import dev.nabla.nn.conv.Conv2d;
import dev.nabla.nn.conv.ConvOptions;
import dev.nabla.nn.conv.ConvTranspose2d;
import dev.nabla.nn.conv.PixelShuffle;
import dev.nabla.nn.conv.Pooling;
import dev.nabla.nn.conv.Upsample;
import dev.nabla.optim.Adam;
import dev.nabla.optim.schedule.CosineAnnealingLR;
import dev.nabla.optim.schedule.Scheduler;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * ×2 single-image super-resolution on bundled public-domain photographs (grayscale, ≤ 256 px):
 * trains an ESPCN-style network (convolutions at low resolution, then {@link PixelShuffle}; Shi
 * et al., arXiv:1609.05158) and a variant whose last layer is a learned {@link ConvTranspose2d}
 * upsampler, on random crops of six photographs whose low-resolution versions are 2×2 box
 * averages ({@link Pooling#avgPool2d}). Reports PSNR on the two held-out photographs against
 * nearest and bilinear upsampling ({@link Upsample}) and writes a PNG comparing the four.
 */
@Command(name = "superres", mixinStandardHelpOptions = true,
    description = "Train ESPCN (conv + PixelShuffle) and a transposed-conv net for ×2"
        + " super-resolution on bundled photos; compare PSNR with nearest and bilinear.")
final class SuperResCommand implements Callable<Integer> {
  private static final String DATA = "/dev/nabla/examples/images/";
  private static final List<String> TRAIN = List.of("acanthus-mollis", "airplane-from-above",
      "allium-oreophilum", "dust-bowl-home", "french-alpine-landscape", "march-pastoral");
  private static final List<String> HELD_OUT = List.of("black-canyon", "nagasaki-boats");
  private static final int SCALE = 2;

  @Option(names = "--steps", defaultValue = "1500", description = "Adam steps per network (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(names = "--batch-size", defaultValue = "16", description = "Crops per step (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--crop", defaultValue = "32", description = "High-resolution crop size, even (default: ${DEFAULT-VALUE}).")
  int crop;

  @Option(names = "--features", defaultValue = "32", description = "Channels of the first convolution; the second has half (default: ${DEFAULT-VALUE}).")
  int features;

  @Option(names = "--lr", defaultValue = "0.003", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
  double lr;

  @Option(names = "--seed", defaultValue = "0", description = "Seed for init and crops (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--residual",
      description = "Add the networks' output to bilinear upsampling (residual learning).")
  boolean residual;

  @Option(names = "--out", defaultValue = "superres.png", description = "Comparison PNG to write (default: ${DEFAULT-VALUE}).")
  Path out;

  /** ESPCN: 5×5 → 3×3 → 3×3 convolutions with tanh, all at low resolution, then a pixel shuffle. */
  static final class Espcn extends Layer {
    private final Conv2d conv1;
    private final Conv2d conv2;
    private final Conv2d conv3;
    private final PixelShuffle shuffle;

    Espcn(int features, Rng rng) {
      conv1 = register("conv1", new Conv2d(1, features, 5, ConvOptions.defaults().padding(2), rng));
      conv2 = register("conv2",
          new Conv2d(features, features / 2, 3, ConvOptions.defaults().padding(1), rng));
      conv3 = register("conv3",
          new Conv2d(features / 2, SCALE * SCALE, 3, ConvOptions.defaults().padding(1), rng));
      shuffle = register("shuffle", new PixelShuffle(SCALE));
    }

    @Override public Tensor forward(Tensor x) {
      Tensor h = conv2.forward(conv1.forward(x).tanh()).tanh();  // (N, f/2, H, W)
      return shuffle.forward(conv3.forward(h));                  // (N, 1, 2H, 2W)
    }
  }

  /** The same trunk, upsampled by a 4×4 stride-2 transposed convolution instead. */
  static final class TransposedConvNet extends Layer {
    private final Conv2d conv1;
    private final Conv2d conv2;
    private final ConvTranspose2d up;

    TransposedConvNet(int features, Rng rng) {
      conv1 = register("conv1", new Conv2d(1, features, 5, ConvOptions.defaults().padding(2), rng));
      conv2 = register("conv2",
          new Conv2d(features, features / 2, 3, ConvOptions.defaults().padding(1), rng));
      up = register("up", new ConvTranspose2d(features / 2, 1, 4,
          ConvOptions.defaults().stride(SCALE).padding(1), rng));
    }

    @Override public Tensor forward(Tensor x) {
      Tensor h = conv2.forward(conv1.forward(x).tanh()).tanh();  // (N, f/2, H, W)
      return up.forward(h);                                      // (N, 1, 2H, 2W)
    }
  }

  /**
   * Runs a network on the centred low-resolution image and adds its output to the bilinear
   * upsampling (residual learning, as VDSR, arXiv:1511.04587) or to the mean level 0.5.
   */
  static final class Upscaler extends Layer {
    private final Layer net;
    private final Upsample base;

    Upscaler(Layer net, boolean residual) {
      this.net = register("net", net);
      this.base = residual ? Upsample.withScale(SCALE, Upsample.Mode.BILINEAR) : null;
    }

    @Override public Tensor forward(Tensor x) {
      Tensor y = net.forward(x.sub(0.5));
      return base != null ? y.add(base.forward(x)) : y.add(0.5);
    }
  }

  /** A grayscale image with values in [0, 1], cropped to even sides. */
  record Image(String name, int height, int width, float[] pixels) {
    Tensor tensor() {
      return Tensor.wrap(pixels.clone(), 1, 1, height, width);
    }
  }

  @Override
  public Integer call() throws IOException {
    if (steps < 1 || batchSize < 1 || crop < 4 || crop % 2 != 0 || features < 2 || !(lr > 0)) {
      System.err.println("superres: need steps, batch-size ≥ 1, an even crop ≥ 4, features ≥ 2"
          + " and lr > 0");
      return 2;
    }
    List<Image> train = new ArrayList<>();
    for (String name : TRAIN) {
      train.add(read(name));
    }
    List<Image> test = new ArrayList<>();
    for (String name : HELD_OUT) {
      test.add(read(name));
    }
    System.out.printf(Locale.ROOT, "×%d super-resolution: %d training photos, %d held out"
        + " (%s); %d steps of %d crops %dx%d%n", SCALE, train.size(), test.size(),
        String.join(", ", HELD_OUT), steps, batchSize, crop, crop);

    Rng rng = new Rng(seed);
    Layer espcn = new Upscaler(new Espcn(features, rng.split()), residual);
    Layer tconv = new Upscaler(new TransposedConvNet(features, rng.split()), residual);
    train("ESPCN", espcn, train, rng.split());
    train("transposed conv", tconv, train, rng.split());

    Upsample nearest = Upsample.withScale(SCALE, Upsample.Mode.NEAREST);
    Upsample bilinear = Upsample.withScale(SCALE, Upsample.Mode.BILINEAR);
    String[] names = {"nearest", "bilinear", "ESPCN", "transposed conv"};
    Layer[] methods = {nearest, bilinear, espcn, tconv};
    double[] sumSq = new double[methods.length];
    long count = 0;
    for (Image image : test) {
      Tensor hr = image.tensor();
      Tensor lr = Pooling.avgPool2d(hr, SCALE);
      for (int m = 0; m < methods.length; m++) {
        sumSq[m] += squaredError(predict(methods[m], lr), hr);
      }
      count += (long) (image.height() - 2 * SCALE) * (image.width() - 2 * SCALE);
    }
    System.out.println();
    System.out.printf(Locale.ROOT, "PSNR on the held-out photos (dB, %d px border shaved):%n",
        SCALE);
    System.out.println("| method          | PSNR (dB) |");
    System.out.println("|-----------------|-----------|");
    double[] psnr = new double[methods.length];
    for (int m = 0; m < methods.length; m++) {
      psnr[m] = 10 * Math.log10(1.0 / (sumSq[m] / count));
      System.out.printf(Locale.ROOT, "| %-15s | %9.2f |%n", names[m], psnr[m]);
    }
    writeComparison(test.get(test.size() - 1), methods, names, psnr);
    System.out.println("wrote " + out.toAbsolutePath());
    return 0;
  }

  private void train(String name, Layer model, List<Image> images, Rng rng) {
    Adam adam = new Adam(model.parameters(), Adam.options().lr(lr));
    Scheduler schedule = new Scheduler(adam, new CosineAnnealingLR(steps, lr / 20));
    long start = System.nanoTime();
    double running = 0;
    int seen = 0;
    for (int step = 1; step <= steps; step++) {
      Tensor hr = batch(images, rng);
      Tensor lr = Pooling.avgPool2d(hr, SCALE);
      Tensor loss = model.forward(lr).sub(hr).square().mean();
      adam.zeroGrad();
      loss.backward();
      adam.step();
      schedule.step();
      running += loss.item();
      seen++;
      if (step % 100 == 0 || step == steps) {
        System.out.printf(Locale.ROOT, "%-15s step %4d/%d  mse %.5f  (%.1f s)%n", name, step,
            steps, running / seen, (System.nanoTime() - start) / 1e9);
        running = 0;
        seen = 0;
      }
    }
  }

  /** Random crop × crop patches at even offsets (so 2×2 blocks align), as (B, 1, crop, crop). */
  private Tensor batch(List<Image> images, Rng rng) {
    float[] data = new float[batchSize * crop * crop];
    for (int b = 0; b < batchSize; b++) {
      Image image = images.get(rng.nextInt(images.size()));
      int y0 = SCALE * rng.nextInt((image.height() - crop) / SCALE + 1);
      int x0 = SCALE * rng.nextInt((image.width() - crop) / SCALE + 1);
      boolean flip = rng.nextBoolean();
      for (int y = 0; y < crop; y++) {
        for (int x = 0; x < crop; x++) {
          int sx = flip ? crop - 1 - x : x;
          data[(b * crop + y) * crop + x] = image.pixels()[(y0 + y) * image.width() + x0 + sx];
        }
      }
    }
    return Tensor.wrap(data, batchSize, 1, crop, crop);
  }

  /** The method's ×2 upsampling of {@code lr}, clamped to [0, 1]. */
  private static Tensor predict(Layer method, Tensor lr) {
    try (var off = GradMode.disabled()) {
      return method.forward(lr).clamp(0, 1);
    }
  }

  /** Σ (a − b)² over the image without a SCALE-pixel border. */
  private static double squaredError(Tensor a, Tensor b) {
    int h = a.size(2);
    int w = a.size(3);
    Tensor d = a.sub(b).narrow(2, SCALE, h - 2 * SCALE).narrow(3, SCALE, w - 2 * SCALE);
    return d.to(dev.nabla.core.DType.F64).square().sum().item();
  }

  private static Image read(String name) throws IOException {
    String path = DATA + name + ".png";
    try (InputStream in = SuperResCommand.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IOException("bundled image " + path + " is missing from the classpath");
      }
      BufferedImage image = ImageIO.read(in);
      if (image == null) {
        throw new IOException("cannot decode " + path);
      }
      int h = image.getHeight() / SCALE * SCALE;
      int w = image.getWidth() / SCALE * SCALE;
      Raster raster = image.getRaster();
      float[] pixels = new float[h * w];
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          pixels[y * w + x] = luma(image, raster, x, y) / 255f;
        }
      }
      return new Image(name, h, w, pixels);
    }
  }

  private static float luma(BufferedImage image, Raster raster, int x, int y) {
    if (raster.getNumBands() == 1) {
      return raster.getSample(x, y, 0);
    }
    int rgb = image.getRGB(x, y);
    return 0.299f * ((rgb >> 16) & 255) + 0.587f * ((rgb >> 8) & 255) + 0.114f * (rgb & 255);
  }

  /**
   * Writes ground truth and the four methods on one 64×64 crop of {@code image}, each magnified
   * 3× (nearest) so that the differences are visible, labelled with the held-out PSNR.
   */
  private void writeComparison(Image image, Layer[] methods, String[] names, double[] psnr)
      throws IOException {
    int size = Math.min(64, Math.min(image.height(), image.width()) / 2 * 2);
    int y0 = (image.height() - size) / 2 / SCALE * SCALE;
    int x0 = (image.width() - size) / 2 / SCALE * SCALE;
    Tensor hr = image.tensor().narrow(2, y0, size).narrow(3, x0, size).contiguous();
    Tensor lr = Pooling.avgPool2d(hr, SCALE);
    List<Tensor> panels = new ArrayList<>();
    List<String> labels = new ArrayList<>();
    panels.add(hr);
    labels.add("original");
    for (int m = 0; m < methods.length; m++) {
      panels.add(predict(methods[m], lr));
      labels.add(String.format(Locale.ROOT, "%s %.2f dB", names[m], psnr[m]));
    }
    int zoom = 3;
    int gap = 8;
    int header = 22;
    int panel = size * zoom;
    BufferedImage canvas = new BufferedImage(panels.size() * (panel + gap) + gap,
        panel + header + gap, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = canvas.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, canvas.getWidth(), canvas.getHeight());
    for (int p = 0; p < panels.size(); p++) {
      float[] v = panels.get(p).contiguous().toFloatArray();
      int left = gap + p * (panel + gap);
      for (int y = 0; y < panel; y++) {
        for (int x = 0; x < panel; x++) {
          int level = Math.round(255 * Math.max(0, Math.min(1, v[(y / zoom) * size + x / zoom])));
          canvas.setRGB(left + x, header + y, level * 0x010101);
        }
      }
      drawLabel(g, labels.get(p), left, header - 6);
    }
    g.dispose();
    Path parent = out.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    if (!ImageIO.write(canvas, "png", out.toFile())) {
      throw new IOException("no PNG writer available");
    }
  }

  /** Labels are a nicety: a headless JVM without fonts still gets the image. */
  private static void drawLabel(Graphics2D g, String text, int x, int y) {
    try {
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING,
          RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      g.drawString(text, x, y);
    } catch (RuntimeException | InternalError | UnsatisfiedLinkError | NoClassDefFoundError e) {
      // no font configuration on this machine: leave the panel unlabelled
    }
  }
}
