#include "dsp.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <iterator>
#include <numbers>
#include <numeric>
#include <stdexcept>
#include <string>

namespace krait::ecg {
namespace {

using Complex = std::complex<double>;
constexpr double kPi = std::numbers::pi;

[[noreturn]] void fail(const char* function, const std::string& reason) {
  throw std::invalid_argument(std::string(function) + ": " + reason);
}

void requireSamples(const std::vector<double>& x, const char* function) {
  if (x.empty()) fail(function, "the signal is empty");
}

// numpy's float64 add.reduce (np.sum, and so mean and std): pairwise summation (8 running sums up to 128 values,
// halves above) inside blocks of 8192 values, the ufunc buffer size, whose sums are added in order. Mirrored so that
// the means and the FIR gain round as numpy's do.
double pairwiseSum(const double* a, std::size_t n) {
  if (n < 8) {
    double sum = 0.0;
    for (std::size_t i = 0; i < n; ++i) sum += a[i];
    return sum;
  }
  if (n <= 128) {
    double r[8];
    std::copy(a, a + 8, r);
    std::size_t i = 8;
    for (; i < n - n % 8; i += 8)
      for (std::size_t j = 0; j < 8; ++j) r[j] += a[i + j];
    double sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) sum += a[i];
    return sum;
  }
  const std::size_t half = n / 2 - (n / 2) % 8;
  return pairwiseSum(a, half) + pairwiseSum(a + half, n - half);
}

double numpySum(const std::vector<double>& x) {
  constexpr std::size_t kBuffer = 8192;
  double sum = 0.0;
  for (std::size_t start = 0; start < x.size(); start += kBuffer)
    sum += pairwiseSum(x.data() + start, std::min(kBuffer, x.size() - start));
  return sum;
}

// scipy.special.i0 (Cephes) for 0 <= x <= 8: exp(x) times a 30-term Chebyshev series in x / 2 - 2. Mirrored rather
// than std::cyl_bessel_i, which differs from it by up to 17 ulps on the Kaiser window's arguments.
double besselI0(double x) {
  static constexpr double kChebyshev[] = {
      -4.41534164647933937950e-18, 3.33079451882223809783e-17, -2.43127984654795469359e-16,
      1.71539128555513303061e-15,  -1.16853328779934516808e-14, 7.67618549860493561688e-14,
      -4.85644678311192946090e-13, 2.95505266312963983461e-12, -1.72682629144155570723e-11,
      9.67580903537323691224e-11,  -5.18979560163526290666e-10, 2.65982372468238665035e-9,
      -1.30002500998624804212e-8,  6.04699502254191894932e-8,  -2.67079385394061173391e-7,
      1.11738753912010371815e-6,   -4.41673835845875056359e-6,  1.64484480707288970893e-5,
      -5.75419501008210370398e-5,  1.88502885095841655729e-4,  -5.76375574538582365885e-4,
      1.63947561694133579842e-3,   -4.32430999505057594430e-3,  1.05464603945949983183e-2,
      -2.37374148058994688156e-2,  4.93052842396707084878e-2,  -9.49010970480476444210e-2,
      1.71620901522208775349e-1,   -3.04682672343198398683e-1,  6.76795274409476084995e-1};
  const double t = x / 2.0 - 2.0;
  double b0 = kChebyshev[0], b1 = 0.0, b2 = 0.0;
  for (std::size_t i = 1; i < std::size(kChebyshev); ++i) {  // Cephes chbevl
    b2 = b1;
    b1 = b0;
    b0 = t * b1 - b2 + kChebyshev[i];
  }
  return std::exp(x) * (0.5 * (b0 - b2));
}

// scipy.signal.firwin(numtaps, cutoff, window=('kaiser', 5.0)), resample_poly's design: windowed-sinc low-pass
// (cutoff relative to Nyquist) scaled to unit gain at 0 Hz, with scipy.signal.windows.kaiser (symmetric). Taps can
// differ from numpy's in the last bit or two where numpy's AVX-512 sin differs from libm's.
std::vector<double> firwinKaiserLowpass(std::size_t numtaps, double cutoff) {
  constexpr double kBeta = 5.0;  // so the Bessel arguments stay within besselI0's 0..8
  const double alpha = 0.5 * static_cast<double>(numtaps - 1);
  const double i0Beta = besselI0(kBeta);
  std::vector<double> h(numtaps);
  for (std::size_t n = 0; n < numtaps; ++n) {
    const double m = static_cast<double>(n) - alpha;
    // numpy.sinc(cutoff * m), which evaluates sin(pi x) / (pi x) at x = 1e-20 in place of 0.
    const double x = cutoff * m;
    const double y = kPi * (x == 0.0 ? 1.0e-20 : x);
    const double ratio = m / alpha;
    const double window = besselI0(kBeta * std::sqrt(1.0 - ratio * ratio)) / i0Beta;
    h[n] = cutoff * (std::sin(y) / y) * window;
  }
  const double gain = numpySum(h);
  for (double& v : h) v /= gain;
  return h;
}

// Iterative radix-2 FFT in place, exp(-2 pi i jk / n) forward and exp(+...) inverse, unnormalised. n = 2^k.
void fftPowerOfTwo(std::vector<Complex>& a, bool inverse) {
  const std::size_t n = a.size();
  for (std::size_t i = 1, j = 0; i < n; ++i) {  // bit-reversal permutation
    std::size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(a[i], a[j]);
  }
  // Twiddles from cos/sin of each angle (not a running product) keep the error at a few ulps whatever n.
  std::vector<Complex> twiddle(n / 2);
  const double sign = inverse ? 1.0 : -1.0;
  for (std::size_t k = 0; k < n / 2; ++k) {
    const double angle = 2.0 * kPi * static_cast<double>(k) / static_cast<double>(n);
    twiddle[k] = {std::cos(angle), sign * std::sin(angle)};
  }
  for (std::size_t len = 2; len <= n; len <<= 1) {
    const std::size_t half = len / 2, step = n / len;
    for (std::size_t i = 0; i < n; i += len)
      for (std::size_t j = 0; j < half; ++j) {
        const Complex u = a[i + j], v = a[i + j + half] * twiddle[j * step];
        a[i + j] = u + v;
        a[i + j + half] = u - v;
      }
  }
}

// Unnormalised DFT of any length in O(n log n): powers of two directly, others by Bluestein's chirp-z
// (jk = (j^2 + k^2 - (k-j)^2) / 2 turns the DFT into a convolution, done with power-of-two FFTs).
std::vector<Complex> dft(std::vector<Complex> a, bool inverse) {
  const std::size_t n = a.size();
  if ((n & (n - 1)) == 0) {
    fftPowerOfTwo(a, inverse);
    return a;
  }
  std::size_t m = 1;
  while (m < 2 * n - 1) m <<= 1;
  // chirp[k] = exp(-+ i pi k^2 / n); k^2 reduced modulo 2n in integers so that the angle stays exact.
  std::vector<Complex> chirp(n);
  const double sign = inverse ? 1.0 : -1.0;
  for (std::size_t k = 0; k < n; ++k) {
    const auto k2 = static_cast<unsigned long long>(k) * k % (2ULL * n);
    const double angle = kPi * static_cast<double>(k2) / static_cast<double>(n);
    chirp[k] = {std::cos(angle), sign * std::sin(angle)};
  }
  std::vector<Complex> u(m), v(m);
  for (std::size_t k = 0; k < n; ++k) u[k] = a[k] * chirp[k];
  v[0] = std::conj(chirp[0]);
  for (std::size_t k = 1; k < n; ++k) v[k] = v[m - k] = std::conj(chirp[k]);
  fftPowerOfTwo(u, false);
  fftPowerOfTwo(v, false);
  for (std::size_t k = 0; k < m; ++k) u[k] *= v[k];
  fftPowerOfTwo(u, true);
  const double scale = 1.0 / static_cast<double>(m);
  for (std::size_t k = 0; k < n; ++k) a[k] = u[k] * chirp[k] * scale;
  return a;
}

// numpy's complex division (Smith's method, multiplying by the reciprocal of the scaled denominator), which rounds
// differently from std::complex's operator/; the Butterworth design divides as numpy does.
Complex numpyDivide(Complex x, Complex y) {
  if (std::abs(y.real()) >= std::abs(y.imag())) {
    const double ratio = y.imag() / y.real(), scale = 1.0 / (y.real() + y.imag() * ratio);
    return {(x.real() + x.imag() * ratio) * scale, (x.imag() - x.real() * ratio) * scale};
  }
  const double ratio = y.real() / y.imag(), scale = 1.0 / (y.imag() + y.real() * ratio);
  return {(x.real() * ratio + x.imag()) * scale, (x.imag() * ratio - x.real()) * scale};
}

// numpy.poly(roots): the monic polynomial, convolving (z - root) in the roots' order.
std::vector<Complex> polyFromRoots(const std::vector<Complex>& roots) {
  std::vector<Complex> c{1.0};
  for (const Complex& root : roots) {
    std::vector<Complex> next(c.size() + 1);
    next[0] = c[0];
    for (std::size_t k = 1; k < c.size(); ++k) next[k] = c[k - 1] * -root + c[k];
    next[c.size()] = c.back() * -root;
    c = std::move(next);
  }
  return c;
}

// scipy.signal.lfilter_zi(b, a) for a[0] == 1 and b, a of equal length n: the state of lfilter's direct form II
// after a unit step, zi = (I - A)^-1 (b[1:] - a[1:] b[0]) with A the transposed companion matrix of a.
// Solved by Gaussian elimination with partial pivoting, where numpy uses LAPACK dgesv: the system is ill-conditioned
// for low cut-offs (condition number 1.4e9 for 1-47 Hz at 500 Hz), so the two agree to ~1e-8 in zi and ~1e-10 in
// filtfilt's output, which is as well as scipy's own zi is determined.
std::vector<double> lfilterZi(const std::vector<double>& b, const std::vector<double>& a) {
  const std::size_t n = a.size() - 1;
  std::vector<std::vector<double>> m(n, std::vector<double>(n + 1, 0.0));  // [I - A | rhs]
  for (std::size_t i = 0; i < n; ++i) {
    m[i][0] = (i == 0 ? 1.0 : 0.0) + a[i + 1];
    if (i > 0) m[i][i] = 1.0;
    if (i + 1 < n) m[i][i + 1] = -1.0;
    m[i][n] = b[i + 1] - a[i + 1] * b[0];
  }
  for (std::size_t col = 0; col < n; ++col) {
    std::size_t pivot = col;
    for (std::size_t r = col + 1; r < n; ++r)
      if (std::abs(m[r][col]) > std::abs(m[pivot][col])) pivot = r;
    std::swap(m[col], m[pivot]);
    for (std::size_t r = col + 1; r < n; ++r) {
      const double factor = m[r][col] / m[col][col];
      for (std::size_t c = col; c <= n; ++c) m[r][c] -= factor * m[col][c];
    }
  }
  std::vector<double> zi(n);
  for (std::size_t i = n; i-- > 0;) {
    double sum = m[i][n];
    for (std::size_t c = i + 1; c < n; ++c) sum -= m[i][c] * zi[c];
    zi[i] = sum / m[i][i];
  }
  return zi;
}

// scipy.signal.lfilter(b, a, x, zi=state) for a[0] == 1 and b, a of equal length: transposed direct form II with
// the operations in the order of scipy's C loop (lfilter.c.src), so the rounding matches.
std::vector<double> lfilter(const std::vector<double>& b, const std::vector<double>& a, const std::vector<double>& x,
                            std::vector<double> state) {
  const std::size_t n = b.size();
  std::vector<double> y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double xi = x[i];
    if (n == 1) {
      y[i] = xi * b[0];
      continue;
    }
    const double yi = state[0] + b[0] * xi;
    for (std::size_t k = 0; k + 2 < n; ++k) state[k] = state[k + 1] + xi * b[k + 1] - yi * a[k + 1];
    state[n - 2] = xi * b[n - 1] - yi * a[n - 1];
    y[i] = yi;
  }
  return y;
}

std::vector<double> scaled(const std::vector<double>& v, double factor) {
  std::vector<double> out(v.size());
  std::transform(v.begin(), v.end(), out.begin(), [factor](double e) { return e * factor; });
  return out;
}

}  // namespace

std::vector<double> resamplePoly(const std::vector<double>& x, int up, int down) {
  if (up < 1 || down < 1)
    fail("resamplePoly", "up and down must be >= 1, got up=" + std::to_string(up) + " down=" + std::to_string(down));
  requireSamples(x, "resamplePoly");
  const int common = std::gcd(up, down);
  up /= common;
  down /= common;
  if (up == 1 && down == 1) return x;

  const std::size_t nIn = x.size(), u = static_cast<std::size_t>(up), d = static_cast<std::size_t>(down);
  const std::size_t nOut = (nIn * u + d - 1) / d;
  const std::size_t maxRate = std::max(u, d), halfLen = 10 * maxRate;
  std::vector<double> h = firwinKaiserLowpass(2 * halfLen + 1, 1.0 / static_cast<double>(maxRate));
  for (double& v : h) v *= static_cast<double>(up);

  // scipy pads h with `down - halfLen % down` leading zeros and drops the first (halfLen + pad) / down outputs of
  // upfirdn; together that centres the filter: output i = sum over inputs j of x[j] * h[halfLen + i * down - j * up],
  // summed from the first input on as scipy's _upfirdn_apply loop does.
  std::vector<double> y(nOut);
  for (std::size_t i = 0; i < nOut; ++i) {
    const std::size_t pos = halfLen + i * d;  // the tap of input 0
    const std::size_t last = std::min(nIn - 1, pos / u);
    const std::size_t first = pos < h.size() ? 0 : (pos - h.size()) / u + 1;
    double sum = 0.0;
    for (std::size_t j = first; j <= last; ++j) sum += x[j] * h[pos - j * u];
    y[i] = sum;
  }
  return y;
}

std::vector<double> resampleFft(const std::vector<double>& x, std::size_t num) {
  if (num == 0) fail("resampleFft", "the output length must be >= 1");
  requireSamples(x, "resampleFft");
  const std::size_t nx = x.size();
  const std::vector<Complex> spectrum = dft(std::vector<Complex>(x.begin(), x.end()), false);

  // The rfft bins 0..N/2 of N = min(num, nx) carry over; when N is even the bin at N/2 is shared by +-N/2:
  // doubled when it becomes the output's Nyquist bin (downsampling), halved when it gains a mirror (upsampling).
  const std::size_t n = std::min(num, nx);
  std::vector<Complex> half(num / 2 + 1);
  std::copy_n(spectrum.begin(), n / 2 + 1, half.begin());
  if (n % 2 == 0) {
    if (num < nx) half[n / 2] *= 2.0;
    if (nx < num) half[n / 2] *= 0.5;
  }

  // irfft(half, num): Hermitian extension; like pocketfft it ignores the imaginary parts of bin 0 and, for even
  // num, of the Nyquist bin.
  std::vector<Complex> full(num);
  std::copy(half.begin(), half.end(), full.begin());
  full[0].imag(0.0);
  if (num % 2 == 0) full[num / 2].imag(0.0);
  for (std::size_t k = 1; k < (num + 1) / 2; ++k) full[num - k] = std::conj(half[k]);
  const std::vector<Complex> signal = dft(std::move(full), true);

  const double inverseNorm = 1.0 / static_cast<double>(num);
  const double gain = static_cast<double>(num) / static_cast<double>(nx);
  std::vector<double> y(num);
  for (std::size_t k = 0; k < num; ++k) y[k] = signal[k].real() * inverseNorm * gain;
  return y;
}

FilterCoefficients butterBandpass(int order, double lowHz, double highHz, double fsHz) {
  if (order < 1) fail("butterBandpass", "order must be >= 1, got " + std::to_string(order));
  if (!(fsHz > 0.0) || !std::isfinite(fsHz))
    fail("butterBandpass", "sampling rate must be > 0 Hz, got " + std::to_string(fsHz));
  if (!(lowHz > 0.0 && lowHz < highHz && highHz < fsHz / 2.0))
    fail("butterBandpass", "needs 0 < low < high < fs/2, got low=" + std::to_string(lowHz) +
                               " high=" + std::to_string(highHz) + " fs=" + std::to_string(fsHz));

  // scipy.signal.iirfilter: band edges relative to Nyquist, pre-warped for the bilinear transform (at fs = 2).
  // (numpy's AVX-512 tan can be an ulp off libm's correctly rounded one, which moves a[] by a few ulps.)
  const double warpedLow = 4.0 * std::tan(kPi * (2.0 * lowHz / fsHz) / 2.0);
  const double warpedHigh = 4.0 * std::tan(kPi * (2.0 * highHz / fsHz) / 2.0);
  const double bandwidth = warpedHigh - warpedLow, centre = std::sqrt(warpedLow * warpedHigh);

  // buttap: analogue low-pass poles -exp(i pi m / (2 order)), m = -order+1, -order+3, ..., order-1.
  // lp2bp_zpk: each pole p becomes p' +- sqrt(p'^2 - centre^2) with p' = p * bandwidth / 2 (all "+" roots, then all
  // "-" roots), plus `order` zeros at s = 0 and gain bandwidth^order.
  std::vector<Complex> poles(2 * static_cast<std::size_t>(order));
  for (int j = 0; j < order; ++j) {
    const double angle = kPi * (2 * j - order + 1) * (1.0 / (2.0 * order));  // numpy divides by multiplying
    const Complex lowpass = -std::exp(Complex(0.0, angle)) * bandwidth / 2.0;
    const Complex root = std::sqrt(lowpass * lowpass - centre * centre);
    poles[j] = lowpass + root;
    poles[j + order] = lowpass - root;
  }
  const double analogueGain = std::pow(bandwidth, order);

  // bilinear_zpk at fs = 2: s -> (4 + s) / (4 - s); the zeros at s = 0 go to z = 1, the `order` zeros at infinity
  // to z = -1; gain * real(prod(4 - zeros) / prod(4 - poles)).
  Complex poleProduct = 1.0;
  for (Complex& p : poles) {
    poleProduct *= 4.0 - p;
    p = numpyDivide(4.0 + p, 4.0 - p);
  }
  Complex zeroProduct = 1.0;
  for (int j = 0; j < order; ++j) zeroProduct *= 4.0;
  const double gain = analogueGain * numpyDivide(zeroProduct, poleProduct).real();

  // zpk2tf: b = gain * poly(zeros), a = poly(poles), real parts (the roots come in conjugate pairs).
  std::vector<Complex> zeros(static_cast<std::size_t>(order), 1.0);
  zeros.insert(zeros.end(), static_cast<std::size_t>(order), -1.0);
  FilterCoefficients f;
  for (const Complex& c : polyFromRoots(zeros)) f.b.push_back(gain * c.real());
  for (const Complex& c : polyFromRoots(poles)) f.a.push_back(c.real());
  return f;
}

std::vector<double> filtfilt(const std::vector<double>& b, const std::vector<double>& a,
                             const std::vector<double>& x) {
  if (b.empty() || a.empty()) fail("filtfilt", "b and a need at least one coefficient");
  if (a[0] == 0.0) fail("filtfilt", "a[0] must be nonzero");
  const std::size_t taps = std::max(a.size(), b.size()), padlen = 3 * taps;
  if (x.size() <= padlen)
    fail("filtfilt", "the signal has " + std::to_string(x.size()) + " samples; it needs more than padlen = 3 * " +
                         std::to_string(taps) + " = " + std::to_string(padlen));

  // lfilter normalises by a[0] and pads the shorter of b and a with zeros.
  std::vector<double> bn(taps, 0.0), an(taps, 0.0);
  for (std::size_t i = 0; i < b.size(); ++i) bn[i] = b[i] / a[0];
  for (std::size_t i = 0; i < a.size(); ++i) an[i] = a[i] / a[0];
  const std::vector<double> zi = lfilterZi(bn, an);

  // odd_ext: 2 * x[0] - x[padlen..1] before, 2 * x[-1] - x[-2..-padlen-1] after.
  const std::size_t n = x.size();
  std::vector<double> ext;
  ext.reserve(n + 2 * padlen);
  for (std::size_t i = padlen; i >= 1; --i) ext.push_back(2.0 * x[0] - x[i]);
  ext.insert(ext.end(), x.begin(), x.end());
  for (std::size_t i = 2; i <= padlen + 1; ++i) ext.push_back(2.0 * x[n - 1] - x[n - i]);

  std::vector<double> forward = lfilter(bn, an, ext, scaled(zi, ext.front()));
  std::reverse(forward.begin(), forward.end());
  std::vector<double> backward = lfilter(bn, an, forward, scaled(zi, forward.front()));
  std::reverse(backward.begin(), backward.end());
  return {backward.begin() + static_cast<std::ptrdiff_t>(padlen),
          backward.begin() + static_cast<std::ptrdiff_t>(padlen + n)};
}

std::vector<double> zscore(const std::vector<double>& x) {
  // scipy.stats.zmap flags a lead whose samples all equal the first as constant (NaN, which nan_to_num makes 0)
  // rather than testing std == 0, which rounding can miss.
  if (std::all_of(x.begin(), x.end(), [&x](double v) { return v == x.front(); })) return std::vector<double>(x.size());
  const double count = static_cast<double>(x.size());
  const double mean = numpySum(x) / count;
  std::vector<double> squares(x.size());
  std::transform(x.begin(), x.end(), squares.begin(), [mean](double v) { return (v - mean) * (v - mean); });
  const double std = std::sqrt(numpySum(squares) / count);
  std::vector<double> z(x.size());
  std::transform(x.begin(), x.end(), z.begin(), [mean, std](double v) { return (v - mean) / std; });
  return z;
}

std::vector<double> padLeft(const std::vector<double>& x, std::size_t length) {
  if (x.size() > length)
    fail("padLeft", "the signal has " + std::to_string(x.size()) + " samples, more than " + std::to_string(length) +
                        "; cut it into windows (windowStarts, crop)");
  std::vector<double> y(length - x.size(), 0.0);
  y.insert(y.end(), x.begin(), x.end());
  return y;
}

std::vector<double> crop(const std::vector<double>& x, std::size_t start, std::size_t length) {
  if (start > x.size() || length > x.size() - start)
    fail("crop", "samples [" + std::to_string(start) + ", " + std::to_string(start) + " + " + std::to_string(length) +
                     ") are outside a signal of " + std::to_string(x.size()));
  return {x.begin() + static_cast<std::ptrdiff_t>(start), x.begin() + static_cast<std::ptrdiff_t>(start + length)};
}

// ISIBrno itself (team_code.py) never windows at inference: zeropad() keeps the first 8192 samples of a longer
// record and drops the rest; in training it takes one random 8192-sample crop. The spec's default instead covers the
// whole record with overlapping windows whose probabilities the caller aggregates.
std::vector<std::size_t> windowStarts(std::size_t samples, std::size_t length, std::size_t stride) {
  if (length == 0 || stride == 0)
    fail("windowStarts", "length and stride must be >= 1, got length=" + std::to_string(length) +
                             " stride=" + std::to_string(stride));
  if (samples < length)
    fail("windowStarts", std::to_string(samples) + " samples are fewer than one window of " +
                             std::to_string(length) + "; left-pad them instead (padLeft)");
  std::vector<std::size_t> starts;
  for (std::size_t start = 0; start + length <= samples; start += stride) starts.push_back(start);
  if (starts.back() + length < samples) starts.push_back(samples - length);
  return starts;
}

std::vector<double> resampleTo(const std::vector<double>& x, double fromHz, double toHz) {
  if (!(fromHz > 0.0) || !(toHz > 0.0) || !std::isfinite(fromHz) || !std::isfinite(toHz))
    fail("resampleTo", "sampling rates must be finite and > 0 Hz, got from=" + std::to_string(fromHz) +
                           " to=" + std::to_string(toHz));
  requireSamples(x, "resampleTo");
  if (fromHz == toHz) return x;
  if (fromHz == 2.0 * toHz) return resamplePoly(x, 1, 2);
  // ISIBrno: signal.resample(recording, int(recording.shape[1] * 500 / fs)); 250 Hz goes this way too.
  const double samples = std::trunc(static_cast<double>(x.size()) * toHz / fromHz);
  if (samples < 1.0)
    fail("resampleTo", std::to_string(x.size()) + " samples at " + std::to_string(fromHz) + " Hz give none at " +
                           std::to_string(toHz) + " Hz");
  return resampleFft(x, static_cast<std::size_t>(samples));
}

}  // namespace krait::ecg
