// A test plugin with a krait-studio panel for waveforms (the files test-kinds' csv-waveform reader takes): a
// label that says which file it was given.
#include <krait/plugin.hpp>

#include <QLabel>

namespace {

struct WaveformNotes {
  static void* create(void* parent) {
    auto* label = new QLabel("no waveform", static_cast<QWidget*>(parent));
    label->setObjectName("waveformNotes");
    return label;
  }
  static void open(void* panel, const std::string& path) {
    static_cast<QLabel*>(panel)->setText(QString::fromStdString("opened " + path));
  }
};

}  // namespace

KRAIT_PLUGIN("test-panel", "0.1", "a krait-studio panel for Krait's GUI tests") {
  host.panel<WaveformNotes>("waveform-notes", "Waveform notes", KRAIT_DATA_WAVEFORM);
}
