#include "ecg_panel.h"

#include <torch/cuda.h>

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QPushButton>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QThread>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <optional>

#include "bundled_model.h"
#include "classes.h"
#include "ecg_reader.h"
#include "ecg_view.h"
#include "heart_rate.h"

namespace krait::ecg {

// A classification run on the worker thread: what it takes, and what it gives back to the GUI thread.
struct ClassificationJob {
  std::shared_ptr<const Record> record;
  std::string model, device;
  SelectiveScan scan;
  std::shared_ptr<const EcgClassifier> classifier;  // kept for its spec
  Classification result;
  std::string error;
};

// Per-class bars: the probability filled, the class's threshold drawn across, present classes highlighted.
class ProbabilityBars : public QWidget {
 public:
  explicit ProbabilityBars(QWidget* parent) : QWidget(parent) {}

  void setResults(std::vector<ClassResult> results) {
    results_ = std::move(results);
    updateGeometry();
    update();
  }
  QSize sizeHint() const override {
    std::size_t groups = 0;
    for (std::size_t i = 0; i < results_.size(); ++i) groups += i == 0 || results_[i].group != results_[i - 1].group;
    return {420, static_cast<int>(static_cast<double>(results_.size() + groups) * rowHeight()) + 4};
  }
  QSize minimumSizeHint() const override { return {320, sizeHint().height()}; }

 protected:
  void paintEvent(QPaintEvent*) override {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing, true);
    const double h = rowHeight(), abbreviationW = 64, barW = 120, valueW = 40;
    double y = 0;
    for (std::size_t i = 0; i < results_.size(); ++i) {
      const ClassResult& r = results_[i];
      if (i == 0 || r.group != results_[i - 1].group) {
        QFont f = font();
        f.setBold(true);
        p.setFont(f);
        p.setPen(palette().color(QPalette::WindowText));
        QString group = QString::fromStdString(r.group);
        group[0] = group[0].toUpper();
        p.drawText(QRectF(2, y, width() - 4, h), Qt::AlignLeft | Qt::AlignBottom, group);
        y += h;
      }
      if (r.present) p.fillRect(QRectF(0, y, width(), h), QColor(255, 236, 179));
      QFont f = font();
      f.setBold(r.present);
      p.setFont(f);
      p.setPen(palette().color(QPalette::WindowText));
      p.drawText(QRectF(8, y, abbreviationW - 10, h), Qt::AlignLeft | Qt::AlignVCenter,
                 QFontMetrics(f).elidedText(QString::fromStdString(r.abbreviation), Qt::ElideRight, static_cast<int>(abbreviationW - 10)));
      const QRectF bar(abbreviationW, y + h * 0.2, barW, h * 0.6);
      p.fillRect(bar, QColor(226, 226, 226));
      p.fillRect(QRectF(bar.left(), bar.top(), barW * std::clamp(r.probability, 0.0, 1.0), bar.height()),
                 r.present ? QColor(214, 76, 36) : QColor(70, 120, 190));
      const double t = bar.left() + barW * std::clamp(r.threshold, 0.0, 1.0);
      p.setPen(QPen(Qt::black, 2));
      p.drawLine(QPointF(t, y + h * 0.08), QPointF(t, y + h * 0.92));
      p.setPen(palette().color(QPalette::WindowText));
      p.drawText(QRectF(bar.right() + 4, y, valueW, h), Qt::AlignLeft | Qt::AlignVCenter,
                 QString::number(r.probability, 'f', 2));
      const double textX = bar.right() + 4 + valueW;
      const QString name = QString::fromStdString(r.name + "  SCT " + r.codes);
      p.drawText(QRectF(textX, y, width() - textX - 2, h), Qt::AlignLeft | Qt::AlignVCenter,
                 QFontMetrics(f).elidedText(name, Qt::ElideRight, static_cast<int>(width() - textX - 2)));
      y += h;
    }
  }

 private:
  double rowHeight() const { return fontMetrics().height() * 1.5; }
  std::vector<ClassResult> results_;
};

namespace {

QComboBox* choices(QWidget* parent, const char* name, const std::vector<std::pair<QString, double>>& items, int current) {
  auto* box = new QComboBox(parent);
  box->setObjectName(QString::fromLatin1(name));
  for (const auto& [text, value] : items) box->addItem(text, value);
  box->setCurrentIndex(current);
  return box;
}

double durationOf(const Record& r) {
  return r.samplingRateHz > 0 ? static_cast<double>(r.samples()) / r.samplingRateHz : 0.0;
}

// The run itself, on the worker thread: any failure becomes the job's error, said by the panel.
void run(ClassificationJob& job) {
  try {
    auto classifier = std::make_shared<const EcgClassifier>(job.model, job.device, job.scan);
    job.result = classifier->classify(*job.record);
    job.classifier = std::move(classifier);
  } catch (const std::exception& e) {
    job.error = e.what();
  }
}

QString provenanceText(const ModelSpec& spec) {
  QStringList parts;
  if (spec.provenance.is_object())
    for (const auto& [key, value] : spec.provenance.items())
      if (value.is_string() && key != "command")
        parts << QString::fromStdString(key + ": " + value.get<std::string>());
  return parts.join(QStringLiteral("; "));
}

}  // namespace

std::vector<ClassResult> groupedResults(const ModelSpec& spec, const Classification& classification) {
  constexpr int kOther = static_cast<int>(DisplayGroup::Morphology) + 1;
  std::vector<std::pair<int, ClassResult>> ranked;
  for (std::size_t k = 0; k < spec.classes.size() && k < classification.probabilities.size(); ++k) {
    const ModelClass& c = spec.classes[k];
    std::optional<std::size_t> scored;
    for (const std::string& code : c.codes)
      if (!scored) scored = classOfCode(code);
    ClassResult r;
    const int group = scored ? static_cast<int>(scoredClasses()[*scored].group) : kOther;
    r.group = scored ? std::string(displayGroupName(scoredClasses()[*scored].group)) : "other";
    r.abbreviation = c.abbreviation;
    r.name = c.name;
    for (const std::string& code : c.codes) r.codes += (r.codes.empty() ? "" : "|") + code;
    r.probability = classification.probabilities[k];
    r.threshold = c.threshold;
    r.present = k < classification.present.size() && classification.present[k];
    ranked.emplace_back(group, std::move(r));
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<ClassResult> out;
  for (auto& [group, r] : ranked) out.push_back(std::move(r));
  return out;
}

EcgPanel::EcgPanel(QWidget* parent, SelectiveScan scan) : QWidget(parent), scan_(std::move(scan)) {
  view_ = new EcgView(this);
  auto* open = new QPushButton(tr("Open…"), this);
  open->setObjectName("ecgOpen");
  file_ = new QLabel(tr("no ECG open"), this);
  file_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  error_ = new QLabel(this);
  error_->setObjectName("ecgError");
  error_->setWordWrap(true);
  error_->setStyleSheet(QStringLiteral("color: #b00020;"));
  error_->hide();

  layout_ = new QComboBox(this);
  layout_->setObjectName("ecgLayout");
  for (const auto kind : {PaperLayoutKind::ThreeByFourRhythm, PaperLayoutKind::SixByTwo, PaperLayoutKind::TwelveByOne})
    layout_->addItem(QString::fromUtf8(layoutName(kind).data(), static_cast<qsizetype>(layoutName(kind).size())),
                     static_cast<int>(kind));
  speed_ = choices(this, "ecgSpeed", {{"12.5 mm/s", 12.5}, {"25 mm/s", 25.0}, {"50 mm/s", 50.0}}, 1);
  gain_ = choices(this, "ecgGain", {{"5 mm/mV", 5.0}, {"10 mm/mV", 10.0}, {"20 mm/mV", 20.0}}, 1);
  start_ = new QDoubleSpinBox(this);
  start_->setObjectName("ecgStart");
  start_->setSuffix(QStringLiteral(" s"));
  start_->setDecimals(1);
  start_->setSingleStep(1.0);
  start_->setToolTip(tr("Start of the 10 s on the paper, for recordings longer than that"));
  start_->setEnabled(false);
  // True scale needs the screen's real pixels per millimetre; EDID (physical DPI) is often wrong, so the user can
  // correct it once with a ruler, and it is kept.
  pixelsPerMm_ = new QDoubleSpinBox(this);
  pixelsPerMm_->setObjectName("ecgPixelsPerMm");
  pixelsPerMm_->setRange(1.0, 40.0);
  pixelsPerMm_->setDecimals(3);
  pixelsPerMm_->setSingleStep(0.05);
  pixelsPerMm_->setSuffix(tr(" px/mm"));
  pixelsPerMm_->setValue(view_->pixelsPerMm());
  view_->setPixelsPerMm(pixelsPerMm_->value());  // the scale drawn is the one shown, rounded as the box holds it
  pixelsPerMm_->setToolTip(tr("Screen scale: adjust until 10 large boxes of the grid measure 50 mm with a ruler"));
  dpi_ = new QSpinBox(this);
  dpi_->setObjectName("ecgDpi");
  dpi_->setRange(50, 600);
  dpi_->setValue(300);
  dpi_->setSuffix(tr(" dpi"));
  auto* png = new QPushButton(tr("PNG…"), this);
  png->setObjectName("ecgExportPng");
  auto* pdf = new QPushButton(tr("PDF…"), this);
  pdf->setObjectName("ecgExportPdf");

  auto* fileRow = new QHBoxLayout;
  fileRow->addWidget(open);
  fileRow->addWidget(file_, 1);
  auto* paperRow = new QHBoxLayout;
  for (QWidget* w : std::initializer_list<QWidget*>{layout_, speed_, gain_}) paperRow->addWidget(w);
  paperRow->addWidget(new QLabel(tr("from"), this));
  paperRow->addWidget(start_);
  paperRow->addWidget(new QLabel(tr("Screen scale"), this));
  paperRow->addWidget(pixelsPerMm_);
  paperRow->addStretch(1);
  paperRow->addWidget(new QLabel(tr("Export"), this));
  paperRow->addWidget(png);
  paperRow->addWidget(dpi_);
  paperRow->addWidget(pdf);

  auto* paperArea = new QScrollArea(this);
  paperArea->setWidget(view_);
  paperArea->setBackgroundRole(QPalette::Dark);

  auto* group = new QGroupBox(tr("Classify"), this);
  // The folder last used, else the plugin's demonstration model.
  model_ = new QLineEdit(QSettings()
                             .value(QStringLiteral("ecg/modelFolder"), QString::fromStdString(bundledModel().string()))
                             .toString(),
                         group);
  model_->setObjectName("ecgModelFolder");
  model_->setPlaceholderText(tr("model folder (model.json and its weights)"));
  auto* browse = new QPushButton(tr("…"), group);
  browse->setObjectName("ecgBrowseModel");
  device_ = new QComboBox(group);
  device_->setObjectName("ecgDevice");
  device_->addItem(QStringLiteral("cpu"));
  if (torch::cuda::is_available()) device_->addItem(QStringLiteral("cuda"));
  classify_ = new QPushButton(tr("Classify"), group);
  classify_->setObjectName("ecgClassify");
  heartRate_ = new QLabel(group);
  heartRate_->setObjectName("ecgHeartRate");
  status_ = new QLabel(group);
  status_->setObjectName("ecgStatus");
  modelInfo_ = new QLabel(group);
  modelInfo_->setObjectName("ecgModelInfo");
  modelInfo_->setWordWrap(true);
  modelInfo_->setTextFormat(Qt::RichText);
  notes_ = new QLabel(group);
  notes_->setObjectName("ecgNotes");
  notes_->setWordWrap(true);
  bars_ = new ProbabilityBars(group);
  bars_->setObjectName("ecgProbabilities");
  auto* modelRow = new QHBoxLayout;
  modelRow->addWidget(model_, 1);
  modelRow->addWidget(browse);
  modelRow->addWidget(device_);
  modelRow->addWidget(classify_);
  auto* groupLayout = new QVBoxLayout(group);
  groupLayout->addLayout(modelRow);
  for (QWidget* w : std::initializer_list<QWidget*>{heartRate_, status_, modelInfo_, notes_, bars_}) groupLayout->addWidget(w);
  groupLayout->addStretch(1);
  auto* groupArea = new QScrollArea(this);
  groupArea->setWidget(group);
  groupArea->setWidgetResizable(true);
  groupArea->setMinimumWidth(460);

  auto* split = new QSplitter(Qt::Horizontal, this);
  split->addWidget(paperArea);
  split->addWidget(groupArea);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 1);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(fileRow);
  layout->addLayout(paperRow);
  layout->addWidget(error_);
  layout->addWidget(split, 1);

  connect(open, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open an ECG"), QString(),
                                                      tr("ECG files (*%1);;All files (*)").arg(QString(kEcgExtensions).replace(';', " *")));
    if (!path.isEmpty()) openFile(path.toStdString());
  });
  for (QComboBox* box : {layout_, speed_, gain_})
    connect(box, &QComboBox::currentIndexChanged, this, [this] { applyPaper(); });
  connect(start_, &QDoubleSpinBox::valueChanged, this, [this] { applyPaper(); });
  connect(pixelsPerMm_, &QDoubleSpinBox::valueChanged, this, [this](double v) {
    view_->setPixelsPerMm(v);
    EcgView::savePixelsPerMm(v);
  });
  connect(png, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export PNG"), QString(), tr("PNG image (*.png)"));
    if (!path.isEmpty()) exportPng(path, dpi_->value());
  });
  connect(pdf, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export PDF"), QString(), tr("PDF (*.pdf)"));
    if (!path.isEmpty()) exportPdf(path);
  });
  connect(browse, &QPushButton::clicked, this, [this] {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("ECG model folder"), model_->text());
    if (!dir.isEmpty()) model_->setText(dir);
  });
  connect(classify_, &QPushButton::clicked, this, [this] { classify(); });
}

EcgPanel::~EcgPanel() {
  if (worker_) worker_->wait();
}

void* EcgPanel::create(void* parentWidget) {
  return static_cast<QWidget*>(new EcgPanel(static_cast<QWidget*>(parentWidget)));
}

void EcgPanel::open(void* panel, const std::string& path) {
  static_cast<EcgPanel*>(static_cast<QWidget*>(panel))->openFile(path);
}

bool EcgPanel::openFile(const std::string& path) {
  try {
    auto record = std::make_shared<const Record>(readEcg(path));
    if (!(durationOf(*record) > 0)) throw FileError(path, "no samples or no sampling rate");
    // A new recording starts at its beginning; the window may move only as far as the recording goes on.
    const QSignalBlocker blocker(start_);
    start_->setValue(0.0);
    start_->setRange(0.0, std::max(0.0, durationOf(*record) - view_->paperSettings().durationS));
    start_->setEnabled(start_->maximum() > 0);
    PaperSettings fromStart = view_->paperSettings();
    fromStart.startS = 0.0;
    view_->setPaperSettings(fromStart);
    view_->setRecord(record);
    record_ = std::move(record);
    const HeartRate rate = heartRate(*record_);
    heartRate_->setText(rate.beatsPerMinute > 0
                            ? tr("Heart rate %1 /min (%2 beats detected in lead %3)")
                                  .arg(rate.beatsPerMinute, 0, 'f', 1)
                                  .arg(rate.beats.size())
                                  .arg(QString::fromStdString(rate.lead))
                            : tr("Heart rate: too few QRS complexes detected"));
  } catch (const std::exception& e) {
    showError(QString::fromStdString(e.what()));
    return false;
  }
  showError({});
  file_->setText(QString::fromStdString(path));
  results_.clear();
  bars_->setResults({});
  modelInfo_->clear();
  notes_->clear();
  status_->clear();
  return true;
}

void EcgPanel::applyPaper() {
  PaperSettings s = view_->paperSettings();
  s.speedMmPerS = speed_->currentData().toDouble();
  s.gainMmPerMv = gain_->currentData().toDouble();
  s.startS = start_->value();
  try {
    view_->setLayoutKind(static_cast<PaperLayoutKind>(layout_->currentData().toInt()));
    view_->setPaperSettings(s);
  } catch (const std::exception& e) {
    showError(QString::fromStdString(e.what()));
  }
}

bool EcgPanel::classify() {
  if (!record_) {
    showError(tr("Open an ECG before classifying it."));
    return false;
  }
  if (model_->text().trimmed().isEmpty()) {
    showError(tr("Choose a model folder (model.json and its weights) to classify with."));
    return false;
  }
  if (worker_) return false;
  showError({});
  QSettings().setValue(QStringLiteral("ecg/modelFolder"), model_->text().trimmed());
  auto job = std::make_shared<ClassificationJob>();
  job->record = record_;
  job->model = model_->text().trimmed().toStdString();
  job->device = device_->currentText().toStdString();
  job->scan = scan_;
  worker_ = QThread::create([job] { run(*job); });
  worker_->setParent(this);
  connect(worker_, &QThread::finished, this, [this, job] { finishClassification(job); });
  classify_->setEnabled(false);
  status_->setText(tr("Classifying…"));
  worker_->start();
  return true;
}

void EcgPanel::finishClassification(const std::shared_ptr<ClassificationJob>& job) {
  worker_->deleteLater();
  worker_ = nullptr;
  classify_->setEnabled(true);
  status_->clear();
  if (job->record != record_) return;  // another file was opened meanwhile: these results are not about it
  if (!job->error.empty()) {
    results_.clear();
    bars_->setResults({});
    showError(tr("Classification failed: %1").arg(QString::fromStdString(job->error)));
    return;
  }
  const ModelSpec& spec = job->classifier->spec();
  results_ = groupedResults(spec, job->result);
  bars_->setResults(results_);
  const auto present = std::count_if(results_.begin(), results_.end(), [](const ClassResult& r) { return r.present; });
  QString info = QStringLiteral("<b>%1 %2</b><br><span style='background:#fff3c4'><b>Intended use:</b> %3</span>"
                                "<br><b>Research use: these probabilities are not a diagnosis.</b>")
                     .arg(QString::fromStdString(spec.name).toHtmlEscaped(), QString::fromStdString(spec.version).toHtmlEscaped(),
                          QString::fromStdString(spec.intendedUse).toHtmlEscaped());
  if (const QString provenance = provenanceText(spec); !provenance.isEmpty())
    info += QStringLiteral("<br>") + provenance.toHtmlEscaped();
  info += tr("<br>%1 of %2 classes at or above their thresholds (bars: probability; black line: threshold).")
              .arg(present)
              .arg(results_.size());
  modelInfo_->setText(info);
  QStringList notes;
  for (const std::string& n : job->result.notes) notes << QString::fromStdString(n);
  notes_->setText(notes.isEmpty() ? tr("Pre-processing: nothing changed the recording")
                                  : tr("Pre-processing: %1").arg(notes.join(QStringLiteral("; "))));
}

bool EcgPanel::exportPng(const QString& path, double dpi) {
  if (!record_) {
    showError(tr("Open an ECG before exporting it."));
    return false;
  }
  try {
    ecg::exportPng(*record_, view_->layoutKind(), view_->paperSettings(), dpi, path);
  } catch (const std::exception& e) {
    showError(QString::fromStdString(e.what()));
    return false;
  }
  showError({});
  return true;
}

bool EcgPanel::exportPdf(const QString& path) {
  if (!record_) {
    showError(tr("Open an ECG before exporting it."));
    return false;
  }
  try {
    ecg::exportPdf(*record_, view_->layoutKind(), view_->paperSettings(), path);
  } catch (const std::exception& e) {
    showError(QString::fromStdString(e.what()));
    return false;
  }
  showError({});
  return true;
}

QString EcgPanel::errorText() const { return error_->text(); }

void EcgPanel::showError(const QString& message) {
  error_->setText(message);
  error_->setVisible(!message.isEmpty());
}

}  // namespace krait::ecg
