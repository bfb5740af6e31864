#include "biosig_reader.h"

#include <biosig.h>
#undef isfinite  // biosig-dev.h defines it as a macro when <cmath> came first, hiding std::isfinite
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <type_traits>

#include "format_support.h"

namespace krait::ecg {
namespace {

// A 10 s SCP-ECG decodes in milliseconds; the hangs seen on corrupted aECG files never end.
constexpr int kTimeLimitSeconds = 60;

// The child's answer as bytes: 1 and the record, or 0 and the reason it failed.
struct Wire {
  std::string bytes;
  template <class T>
  void put(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    bytes.append(reinterpret_cast<const char*>(&value), sizeof value);
  }
  void put(const std::string& s) {
    put<std::uint64_t>(s.size());
    bytes += s;
  }
};

struct Unwire {
  const std::string& bytes;
  const std::string& path;
  std::size_t pos = 0;
  void need(std::size_t n) {
    if (bytes.size() - pos < n) throw FileError(path, "the biosig reader's answer is cut short");
  }
  template <class T>
  T get() {
    need(sizeof(T));
    T value;
    std::memcpy(&value, bytes.data() + pos, sizeof value);
    pos += sizeof value;
    return value;
  }
  std::string getString() {
    const auto n = get<std::uint64_t>();
    need(n);
    pos += n;
    return bytes.substr(pos - n, n);
  }
};

// biosig's text fields, as printable ASCII without padding (an SCP device model came with a stray byte).
std::string text(const char* s) {
  std::string out;
  for (; s && *s; ++s)
    if (*s >= 0x20 && *s < 0x7f) out += *s;
  const auto first = out.find_first_not_of(' ');
  return first == std::string::npos ? "" : out.substr(first, out.find_last_not_of(' ') - first + 1);
}

// biosig's gdf_time (days since year 0, 32-bit fraction) as calendar fields. biosig's own conversion truncates
// (an aECG's 11:39:16 came back as 11:39:15), so the seconds are rounded here.
std::tm calendar(gdf_time t) {
  const std::time_t seconds = std::llround(gdf_time2t_time(t));
  std::tm out{};
  gmtime_r(&seconds, &out);
  return out;
}

std::string number(double value) {
  char out[32];
  std::snprintf(out, sizeof out, "%g", value);
  return out;
}

Record readHere(const std::string& path) {
  HDRTYPE* hdr = constructHDR(0, 0);
  // Without this biosig skips the aECG subjectDemographicPerson (sex, birth time); names are never copied out.
  hdr->FLAG.ANONYMOUS = 0;
  hdr = sopen(path.c_str(), "r", hdr);
  const std::unique_ptr<HDRTYPE, void (*)(HDRTYPE*)> closer(hdr, [](HDRTYPE* h) {
    sclose(h);
    destructHDR(h);
  });
  const auto failed = [&] {
    char* message = biosig_get_errormsg(hdr);
    std::string reason = text(message);
    std::free(message);
    return FileError(path, "biosig: " + (reason.empty() ? "unknown error" : reason));
  };
  if (biosig_check_error(hdr)) throw failed();
  const FileFormat type = biosig_get_filetype(hdr);
  if (type == MIT) throw FileError(path, "a WFDB record: read its .hea with readWfdb (biosig 2.5.0 misreads WFDB)");
  if (type == EDF || type == BDF) throw FileError(path, "an EDF/BDF file: read it with readEdf (EDFlib)");
  if (type != SCP_ECG && type != HL7aECG)
    throw FileError(path, std::string("biosig reads it as ") + GetFileTypeString(type) + ", which Krait does not take from biosig");

  biosig_reset_flag(hdr, BIOSIG_FLAG_OVERFLOWDETECTION);  // keep saturated samples rather than NaN
  const std::size_t records = biosig_get_number_of_records(hdr);
  if (sread(nullptr, 0, records, hdr) != records || biosig_check_error(hdr)) throw failed();
  const std::size_t rows = hdr->data.size[0];

  Record record;
  record.source = path;
  record.samplingRateHz = biosig_get_samplerate(hdr);
  std::string ignored;
  const CHANNEL_TYPE* first = nullptr;
  std::size_t column = 0;
  for (int k = 0; k < hdr->NS; ++k) {
    const CHANNEL_TYPE& c = hdr->CHANNEL[k];
    if (!c.OnOff) continue;
    const double* samples = hdr->data.block + rows * column++;  // one column per channel that is on
    if ((c.PhysDimCode & ~0x1f) != PhysDimCode("V")) {  // the low 5 bits are the SI prefix
      ignored += (ignored.empty() ? "" : ", ") + text(c.Label) + " (" + PhysDim3(c.PhysDimCode) + ")";
      continue;
    }
    if (c.SPR != hdr->SPR) throw FileError(path, "lead " + text(c.Label) + " is sampled at a different rate");
    const double scale = PhysDimScale(c.PhysDimCode) * 1e6;
    std::vector<float> uv(rows);
    for (std::size_t i = 0; i < rows; ++i) uv[i] = static_cast<float>(samples[i] * scale);
    record.leads.push_back(text(c.Label));
    record.microvolts.push_back(std::move(uv));
    if (!first) first = &c;
  }
  // biosig reports some broken files (a bad SCP CRC, a cut-off aECG) only by finding no channels in them.
  if (!first || rows == 0 || !(record.samplingRateHz > 0))
    throw FileError(path, ignored.empty() ? "biosig finds no signals in it" : "biosig finds no signals in volts in it (" + ignored + ")");
  if (!ignored.empty()) record.info["ignored signals"] = ignored;

  auto& info = record.info;
  if (const std::string id = text(hdr->Patient.Id); !id.empty()) info["patient id"] = id;
  if (hdr->Patient.Sex == 1 || hdr->Patient.Sex == 2) info["sex"] = hdr->Patient.Sex == 1 ? "Male" : "Female";
  if (hdr->T0 != 0) {
    info["acquired"] = acquiredText(calendar(hdr->T0));
    if (hdr->Patient.Birthday != 0) info["age"] = std::to_string(yearsBetween(calendar(hdr->Patient.Birthday), calendar(hdr->T0)));
  }
  std::string device = text(biosig_get_manufacturer_name(hdr));
  if (const std::string model = text(biosig_get_manufacturer_model(hdr)); !model.empty())
    device += (device.empty() ? "" : " ") + model;
  if (!device.empty()) info["device"] = device;
  // 0, -1 and infinity stand for "off" or "unknown" depending on the format: only real cut-offs are kept.
  const auto filter = [&](const char* key, double hz) {
    if (hz > 0 && std::isfinite(hz)) info[key] = number(hz);
  };
  filter("low-pass filter Hz", first->LowPass);
  filter("high-pass filter Hz", first->HighPass);
  filter("notch filter Hz", first->Notch);
  return record;
}

void writeAll(int fd, const std::string& bytes) {
  for (std::size_t done = 0; done < bytes.size();) {
    const ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the parent went away
    done += static_cast<std::size_t>(n);
  }
}

[[noreturn]] void childMain(const std::string& path, int fd) {
  dup2(STDERR_FILENO, STDOUT_FILENO);  // biosig prints warnings on stdout: keep them off the caller's output
  Wire wire;
  try {
    const Record r = readHere(path);
    wire.put<char>(1);
    wire.put(r.samplingRateHz);
    wire.put<std::uint64_t>(r.leads.size());
    for (std::size_t k = 0; k < r.leads.size(); ++k) {
      wire.put(r.leads[k]);
      wire.put<std::uint64_t>(r.microvolts[k].size());
      wire.bytes.append(reinterpret_cast<const char*>(r.microvolts[k].data()), r.microvolts[k].size() * sizeof(float));
    }
    wire.put<std::uint64_t>(r.info.size());
    for (const auto& [key, value] : r.info) {
      wire.put(key);
      wire.put(value);
    }
  } catch (const std::exception& e) {
    const std::string what = e.what();
    wire.bytes.clear();
    wire.put<char>(0);
    wire.put(what.rfind(path + ": ", 0) == 0 ? what.substr(path.size() + 2) : what);
  }
  writeAll(fd, wire.bytes);
  std::fflush(nullptr);
  _exit(0);
}

}  // namespace

Record readWithBiosig(const std::string& path) {
  int fds[2];
  if (pipe(fds) != 0) throw FileError(path, std::string("cannot start the biosig reader: ") + std::strerror(errno));
  std::fflush(nullptr);  // else the child would inherit unwritten stdio buffers and write them a second time
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]), close(fds[1]);
    throw FileError(path, std::string("cannot start the biosig reader: ") + std::strerror(errno));
  }
  if (pid == 0) {
    close(fds[0]);
    childMain(path, fds[1]);
  }
  close(fds[1]);

  std::string bytes;
  bool timedOut = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kTimeLimitSeconds);
  for (char buffer[65536];;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fds[0], POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(std::max<long long>(left.count(), 0)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      timedOut = true;
      kill(pid, SIGKILL);
      break;
    }
    const ssize_t n = read(fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    bytes.append(buffer, static_cast<std::size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timedOut) throw FileError(path, "biosig did not finish reading it within " + std::to_string(kTimeLimitSeconds) + " s");
  // A sanitizer build turns the crash into an exit status.
  if (WIFSIGNALED(status) || !WIFEXITED(status) || WEXITSTATUS(status) != 0 || bytes.empty())
    throw FileError(path, std::string("biosig crashed reading it (") +
                              (WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "exit status " + std::to_string(WEXITSTATUS(status))) + ")");

  Unwire in{bytes, path};
  if (in.get<char>() == 0) throw FileError(path, in.getString());
  Record record;
  record.source = path;
  record.samplingRateHz = in.get<double>();
  for (auto leads = in.get<std::uint64_t>(); leads > 0; --leads) {
    record.leads.push_back(in.getString());
    const auto n = in.get<std::uint64_t>();
    in.need(n * sizeof(float));
    std::vector<float> uv(n);
    std::memcpy(uv.data(), bytes.data() + in.pos, n * sizeof(float));
    in.pos += n * sizeof(float);
    record.microvolts.push_back(std::move(uv));
  }
  for (auto entries = in.get<std::uint64_t>(); entries > 0; --entries) {
    std::string key = in.getString();
    record.info[key] = in.getString();
  }
  return record;
}

}  // namespace krait::ecg
