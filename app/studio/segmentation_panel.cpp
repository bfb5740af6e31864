#include "segmentation_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QTimer>
#include <QVBoxLayout>

#include "krait/engine/engine.h"
#include "model_title.h"

namespace krait::studio {

SegmentationPanel::SegmentationPanel(ViewerState& state, QWidget* parent) : QWidget(parent), state_(state) {
  auto* layout = new QVBoxLayout(this);
  auto* form = new QFormLayout;
  models_ = new QComboBox(this);
  models_->setObjectName("models");
  models_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  auto* browse = new QPushButton("Folder…", this);
  connect(browse, &QPushButton::clicked, this, [this] {
    const QString folder = QFileDialog::getExistingDirectory(this, "nnU-Net model folder (plans.json, dataset.json, fold_*)");
    if (!folder.isEmpty()) addModelFolder(folder);
  });
  auto* modelRow = new QHBoxLayout;
  modelRow->addWidget(models_, 1);
  modelRow->addWidget(browse);
  form->addRow("Model", modelRow);
  devices_ = new QComboBox(this);
  devices_->setObjectName("devices");
  for (const std::string& d : computeDevices())
    devices_->addItem(d == "cpu" ? QString("CPU") : QString::fromStdString("CUDA " + d.substr(5)), QString::fromStdString(d));
  form->addRow("Device", devices_);
  // Reduced precision runs on a GPU only (the engine refuses it on the CPU).
  precision_ = new QComboBox(this);
  precision_->setObjectName("precision");
  precision_->addItem("fp32", "fp32");
  precision_->addItem("fp16 (faster)", "fp16");
  precision_->addItem("bf16", "bf16");
  form->addRow("Precision", precision_);
  connect(devices_, &QComboBox::currentIndexChanged, this, &SegmentationPanel::updateButtons);
  mirroring_ = new QCheckBox("Test-time mirroring (nnU-Net's default; 4-8x slower)", this);
  mirroring_->setObjectName("mirroring");
  mirroring_->setChecked(true);
  form->addRow(mirroring_);
  layout->addLayout(form);

  auto* buttons = new QHBoxLayout;
  run_ = new QPushButton("Run", this);
  run_->setObjectName("run");
  cancel_ = new QPushButton("Cancel", this);
  cancel_->setObjectName("cancel");
  buttons->addWidget(run_);
  buttons->addWidget(cancel_);
  layout->addLayout(buttons);
  progress_ = new QProgressBar(this);
  progress_->setObjectName("progress");
  layout->addWidget(progress_);
  message_ = new QLabel(this);
  message_->setObjectName("segmentMessage");
  message_->setWordWrap(true);
  layout->addWidget(message_);
  auto* review = new QHBoxLayout;
  accept_ = new QPushButton("Accept", this);
  accept_->setObjectName("accept");
  discard_ = new QPushButton("Discard", this);
  discard_->setObjectName("discard");
  review->addWidget(accept_);
  review->addWidget(discard_);
  layout->addLayout(review);
  layout->addStretch(1);

  timer_ = new QTimer(this);
  timer_->setInterval(100);
  connect(timer_, &QTimer::timeout, this, &SegmentationPanel::poll);
  connect(run_, &QPushButton::clicked, this, &SegmentationPanel::run);
  connect(cancel_, &QPushButton::clicked, this, [this] {
    cancelRequested_ = true;
    if (job_) job_->cancel();
  });
  connect(accept_, &QPushButton::clicked, this, [this] {
    state_.acceptPreview();
    message_->setText("Accepted: the segmentation is the label map now (Edit > Undo takes it back). Save it with File > Save label map.");
    updateButtons();
    Q_EMIT previewChanged();
    Q_EMIT accepted();
  });
  connect(discard_, &QPushButton::clicked, this, [this] {
    state_.discardPreview();
    message_->setText("Discarded: the label map is as it was.");
    updateButtons();
    Q_EMIT previewChanged();
  });
  reloadModels();
  updateButtons();
}

void SegmentationPanel::reloadModels() {
  const QString current = models_->currentData().toString();
  models_->clear();
  try {
    const std::filesystem::path store = models::modelStoreDir();
    for (const auto& m : models::availableModels(store))
      models_->addItem(QString::fromStdString(m.name + "  (" + m.network + ", " + m.configuration +
                                              (m.bundled ? ", bundled)" : ")")),
                       QString::fromStdString(m.folder.string()));
  } catch (const std::exception& e) {
    message_->setText(QString("Model store: %1").arg(e.what()));
  }
  if (const int i = models_->findData(current); i >= 0) models_->setCurrentIndex(i);
  updateButtons();
}

void SegmentationPanel::addModelFolder(const QString& folder) {
  if (models_->findData(folder) < 0)
    models_->addItem(QString::fromStdString(modelFolderTitle(folder.toStdString())) + "  (folder)", folder);
  models_->setCurrentIndex(models_->findData(folder));
  updateButtons();
}

void SegmentationPanel::run() {
  if (running() || !state_.hasImage() || models_->currentIndex() < 0) return;
  if (!job_) job_ = std::make_unique<SegmentationJob>();
  cancelRequested_ = false;
  job_->start({models_->currentData().toString().toStdString(), options(), state_.image()});
  progress_->setRange(0, 0);
  message_->setText("Starting…");
  timer_->start();
  updateButtons();
}

void SegmentationPanel::poll() {
  const SegmentationStatus s = job_->status();
  if (!s.running) return finish();
  if (s.total > 0) {
    progress_->setRange(0, static_cast<int>(s.total));
    progress_->setValue(static_cast<int>(s.done));
  } else {
    progress_->setRange(0, 0);
  }
  message_->setText(QString::fromStdString(s.stage));
}

void SegmentationPanel::finish() {
  timer_->stop();
  job_->wait();
  const SegmentationStatus s = job_->status();
  progress_->setRange(0, 1);
  progress_->setValue(s.error.empty() ? 1 : 0);
  auto outcome = job_->take();
  if (cancelRequested_) outcome.reset();
  if (outcome) {
    try {
      state_.setPreview(std::move(outcome->labels), outcome->entries, {outcome->modelName, outcome->modelVersion});
      message_->setText(QString("%1: done in %2 s. Accept or Discard the preview.")
                            .arg(QString::fromStdString(outcome->modelName))
                            .arg(outcome->seconds, 0, 'f', 1));
    } catch (const std::exception& e) {
      message_->setText(QString("Segmentation failed: %1").arg(e.what()));
    }
    Q_EMIT previewChanged();
  } else {
    message_->setText(cancelRequested_ || s.error == "cancelled" ? "Cancelled."
                                                                 : QString("Segmentation failed: %1").arg(QString::fromStdString(s.error)));
  }
  updateButtons();
}

void SegmentationPanel::abandon() {
  if (!job_) return;
  timer_->stop();
  job_->cancel();
  job_->wait();
  job_->take();
  progress_->setRange(0, 1);
  progress_->setValue(0);
  message_->clear();
  updateButtons();
}

SegmenterOptions SegmentationPanel::options() const {
  SegmenterOptions o;
  o.device = devices_->currentData().toString().toStdString();
  o.precision = o.device == "cpu" ? "fp32" : precision_->currentData().toString().toStdString();
  o.mirroring = mirroring_->isChecked();
  return o;
}

QString SegmentationPanel::message() const { return message_->text(); }

void SegmentationPanel::updateButtons() {
  const bool busy = running();
  run_->setEnabled(!busy && state_.hasImage() && models_->count() > 0 && !state_.hasPreview());
  cancel_->setEnabled(busy);
  precision_->setEnabled(!busy && devices_->currentData().toString() != "cpu");
  devices_->setEnabled(!busy);
  mirroring_->setEnabled(!busy);
  accept_->setEnabled(!busy && state_.hasPreview());
  discard_->setEnabled(!busy && state_.hasPreview());
}

}  // namespace krait::studio
