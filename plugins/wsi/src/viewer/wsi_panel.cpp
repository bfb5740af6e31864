#include "wsi_panel.h"

#include <filesystem>

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSignalBlocker>
#include <QSlider>
#include <QSplitter>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

#include "heatmap.h"
#include "navigator.h"
#include "results_reader.h"
#include "slide.h"
#include "slide_view.h"
#include "to_qimage.h"

namespace krait::wsi {

// A layer's row: shown or not, and how opaque.
struct WsiPanel::LayerControls {
  QCheckBox* visible;
  QSlider* opacity;
};

namespace {

constexpr int kAssociatedImageMaxPx = 240;

QSlider* percentSlider(QWidget* parent, const QString& name, double value) {
  auto* s = new QSlider(Qt::Horizontal, parent);
  s->setObjectName(name);
  s->setRange(0, 100);
  s->setValue(static_cast<int>(std::lround(value * 100)));
  return s;
}

QString levelsText(const Slide& slide) {
  QStringList downsamples;
  for (const Level& l : slide.levels()) downsamples << QString::number(l.downsample, 'g', 4);
  return QStringLiteral("%1 levels (downsample %2)").arg(slide.levels().size()).arg(downsamples.join(QStringLiteral(", ")));
}

QString pixelSizeText(const Slide& slide) {
  if (slide.mppSource() == MppSource::Unknown) return QStringLiteral("pixel size unknown");
  const QString size = slide.mppX() == slide.mppY()
                           ? QString::number(slide.mppX(), 'f', 3)
                           : QStringLiteral("%1 x %2").arg(slide.mppX(), 0, 'f', 3).arg(slide.mppY(), 0, 'f', 3);
  return QStringLiteral("%1 µm/px (%2)").arg(size, QString::fromLatin1(mppSourceName(slide.mppSource())));
}

}  // namespace

WsiPanel::WsiPanel(QWidget* parent) : QWidget(parent) {
  view_ = new SlideView(this);
  view_->setObjectName("wsiView");
  navigator_ = new Navigator(view_, this);
  navigator_->setObjectName("wsiNavigator");

  auto* open = new QPushButton(tr("Open…"), this);
  open->setObjectName("wsiOpen");
  auto* load = new QPushButton(tr("Load results…"), this);
  load->setObjectName("wsiLoadResults");
  load->setToolTip(tr("A folder of `krait wsi` results: tissue.geojson, patches.json, scores.json"));
  auto* fit = new QPushButton(tr("Fit"), this);
  fit->setObjectName("wsiFit");
  info_ = new QLabel(tr("no slide open"), this);
  info_->setObjectName("wsiInfo");
  info_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  error_ = new QLabel(this);
  error_->setObjectName("wsiError");
  error_->setWordWrap(true);
  error_->setStyleSheet(QStringLiteral("color: #b00020;"));
  error_->hide();
  prediction_ = new QLabel(this);
  prediction_->setObjectName("wsiPrediction");
  prediction_->setWordWrap(true);
  prediction_->hide();

  auto* layerBox = new QGroupBox(tr("Layers"), this);
  auto* grid = new QGridLayout(layerBox);
  const std::array<std::pair<Layer, const char*>, 3> names = {
      {{Layer::Tissue, "Tissue"}, {Layer::Patches, "Patches"}, {Layer::Heatmap, "Heatmap"}}};
  int row = 0;
  for (const auto& [layer, name] : names) {
    auto controls = std::make_unique<LayerControls>();
    controls->visible = new QCheckBox(layerBox);
    controls->visible->setObjectName(QStringLiteral("wsi%1Visible").arg(QLatin1String(name)));
    controls->visible->setChecked(view_->overlays().style(layer).visible);
    controls->opacity = percentSlider(layerBox, QStringLiteral("wsi%1Opacity").arg(QLatin1String(name)),
                                      view_->overlays().style(layer).opacity);
    controls->opacity->setToolTip(tr("Opacity"));
    grid->addWidget(controls->visible, row, 0);
    grid->addWidget(new QLabel(tr("opacity"), layerBox), row, 1);
    grid->addWidget(controls->opacity, row, 2, 1, 2);
    connect(controls->visible, &QCheckBox::toggled, this, [this, l = layer](bool on) { view_->setLayerVisible(l, on); });
    connect(controls->opacity, &QSlider::valueChanged, this, [this, l = layer](int v) { view_->setLayerOpacity(l, v / 100.0); });
    layers_[static_cast<std::size_t>(layer)] = std::move(controls);
    ++row;
  }
  threshold_ = percentSlider(layerBox, QStringLiteral("wsiHeatmapThreshold"), view_->overlays().heatmapThreshold());
  threshold_->setToolTip(tr("Patches scoring below this are not coloured"));
  thresholdValue_ = new QLabel(QString::number(view_->overlays().heatmapThreshold(), 'f', 2), layerBox);
  colormap_ = new QComboBox(layerBox);
  colormap_->setObjectName("wsiColormap");
  for (const Colormap map : kColormaps) {
    const std::string_view n = colormapName(map);
    colormap_->addItem(QString::fromLatin1(n.data(), static_cast<qsizetype>(n.size())), static_cast<int>(map));
  }
  colormap_->setCurrentIndex(colormap_->findData(static_cast<int>(view_->overlays().colormap())));
  grid->addWidget(new QLabel(tr("threshold"), layerBox), row, 1);
  grid->addWidget(threshold_, row, 2);
  grid->addWidget(thresholdValue_, row, 3);
  ++row;
  grid->addWidget(new QLabel(tr("colours"), layerBox), row, 1);
  grid->addWidget(colormap_, row, 2, 1, 2);
  grid->setColumnStretch(2, 1);
  refreshLayerLabels();

  auto* associatedBox = new QGroupBox(tr("Associated images"), this);
  associatedNames_ = new QLabel(tr("none"), associatedBox);
  associatedNames_->setObjectName("wsiAssociatedNames");
  showAssociated_ = new QCheckBox(tr("Show label/macro (may contain patient data)"), associatedBox);
  showAssociated_->setObjectName("wsiShowAssociated");
  showAssociated_->setEnabled(false);
  associatedImages_ = new QWidget(associatedBox);
  associatedImages_->setObjectName("wsiAssociatedImages");
  new QVBoxLayout(associatedImages_);
  associatedImages_->hide();
  auto* associatedLayout = new QVBoxLayout(associatedBox);
  associatedLayout->addWidget(associatedNames_);
  associatedLayout->addWidget(showAssociated_);
  associatedLayout->addWidget(associatedImages_);

  auto* side = new QWidget(this);
  auto* sideLayout = new QVBoxLayout(side);
  sideLayout->addWidget(navigator_);
  sideLayout->addWidget(layerBox);
  sideLayout->addWidget(associatedBox);
  sideLayout->addStretch(1);
  auto* sideArea = new QScrollArea(this);
  sideArea->setWidget(side);
  sideArea->setWidgetResizable(true);
  sideArea->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  sideArea->setMinimumWidth(side->minimumSizeHint().width() + sideArea->verticalScrollBar()->sizeHint().width() + 4);

  auto* split = new QSplitter(Qt::Horizontal, this);
  split->addWidget(view_);
  split->addWidget(sideArea);
  split->setStretchFactor(0, 4);
  split->setStretchFactor(1, 1);

  auto* top = new QHBoxLayout;
  top->addWidget(open);
  top->addWidget(load);
  top->addWidget(fit);
  top->addWidget(info_, 1);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(prediction_);
  layout->addWidget(error_);
  layout->addWidget(split, 1);

  connect(open, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open a slide"), QString(),
        tr("Slides (*.svs *.tif *.tiff *.ndpi *.vms *.vmu *.mrxs *.scn *.svslide *.bif);;All files (*)"));
    if (!path.isEmpty()) openSlide(path.toStdString());
  });
  connect(load, &QPushButton::clicked, this, [this] {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Results folder"));
    if (!dir.isEmpty()) loadResults(dir.toStdString());
  });
  connect(fit, &QPushButton::clicked, this, [this] { view_->fit(); });
  connect(threshold_, &QSlider::valueChanged, this, [this](int v) {
    view_->setHeatmapThreshold(v / 100.0);
    thresholdValue_->setText(QString::number(v / 100.0, 'f', 2));
  });
  connect(colormap_, &QComboBox::currentIndexChanged, this,
          [this] { view_->setColormap(static_cast<Colormap>(colormap_->currentData().toInt())); });
  connect(showAssociated_, &QCheckBox::toggled, this, [this](bool on) { setAssociatedImagesShown(on); });
  view_->setErrorHandler([this](const QString& why) { showError(tr("Part of the slide cannot be read (a coarser level is shown there): %1").arg(why)); });
}

WsiPanel::~WsiPanel() = default;

void* WsiPanel::create(void* parentWidget) { return static_cast<QWidget*>(new WsiPanel(static_cast<QWidget*>(parentWidget))); }

void WsiPanel::open(void* panel, const std::string& path) {
  static_cast<WsiPanel*>(static_cast<QWidget*>(panel))->openSlide(path);
}

bool WsiPanel::openSlide(const std::string& path) {
  try {
    view_->setSlide(std::make_shared<const Slide>(path));
  } catch (const std::exception& e) {
    showError(QString::fromStdString(e.what()));
    return false;
  }
  showError({});
  const Slide& slide = *view_->slide();
  QStringList parts = {QFileInfo(QString::fromStdString(path)).fileName(),
                       QString::fromStdString(slide.vendor().empty() ? "unknown vendor" : slide.vendor()),
                       QStringLiteral("%1 x %2 px").arg(slide.width()).arg(slide.height()), levelsText(slide),
                       pixelSizeText(slide)};
  if (slide.objectivePower()) parts << QStringLiteral("%1x objective").arg(*slide.objectivePower());
  info_->setText(parts.join(QStringLiteral("  ·  ")));
  info_->setToolTip(QString::fromStdString(path));
  prediction_->clear();
  prediction_->hide();
  refreshLayerLabels();
  // Hidden again for every slide: the user agreed to see one slide's label, not the next one's.
  {
    const QSignalBlocker blocker(showAssociated_);
    showAssociated_->setChecked(false);
  }
  setAssociatedImagesShown(false);
  const QStringList names = associatedImageNames();
  associatedNames_->setText(names.isEmpty() ? tr("none") : names.join(QStringLiteral(", ")));
  showAssociated_->setEnabled(!names.isEmpty());
  // Results that `krait wsi` wrote with the slide's own folder as its output (-o): <folder>/<slide name>/. A
  // failure to load them is said in the panel; the slide stays open.
  const std::filesystem::path beside = std::filesystem::path(path).parent_path() / std::filesystem::path(path).stem();
  std::error_code ec;
  if (std::filesystem::exists(beside / "scores.json", ec) || std::filesystem::exists(beside / "tissue.geojson", ec))
    loadResults(beside.string());
  return true;
}

bool WsiPanel::loadResults(const std::string& directory) {
  if (!view_->slide()) {
    showError(tr("Open a slide before loading its results."));
    return false;
  }
  try {
    const SlideResults results = readResults(directory);
    checkWithinSlide(results, view_->slide()->width(), view_->slide()->height());
    applyResults(results);
  } catch (const std::exception& e) {
    showError(QString::fromStdString(e.what()));
    return false;
  }
  showError({});
  return true;
}

void WsiPanel::applyResults(const SlideResults& results) {
  PatchLayer heatmap;
  if (results.attention) {
    heatmap = *results.attention;
    const std::vector<double> ranks = percentileRanks(heatmap.scores);  // 0 to 100
    for (std::size_t i = 0; i < ranks.size(); ++i) heatmap.scores[i] = static_cast<float>(ranks[i] / 100);
  }
  view_->setHeatmap(std::move(heatmap));
  view_->setTissue(results.tissue.value_or(std::vector<TissueRegion>{}));
  view_->setPatches(results.patches.value_or(PatchLayer{}));
  refreshLayerLabels();

  if (results.probabilities.empty() && results.predicted.empty()) {
    prediction_->clear();
    prediction_->hide();
    return;
  }
  auto ranked = results.probabilities;
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  QStringList classes;
  double predictedP = -1;
  for (const auto& [name, p] : ranked) {
    classes << QStringLiteral("%1 %2").arg(QString::fromStdString(name).toHtmlEscaped()).arg(p, 0, 'f', 3);
    if (name == results.predicted) predictedP = p;
  }
  QString text = tr("<b>Prediction: %1</b>").arg(QString::fromStdString(results.predicted.empty() ? "none" : results.predicted).toHtmlEscaped());
  if (predictedP >= 0) text += QStringLiteral(" (p = %1)").arg(predictedP, 0, 'f', 3);
  if (!classes.isEmpty()) text += QStringLiteral("  —  ") + classes.join(QStringLiteral(" · "));
  text += tr("<br>Research use: these probabilities are not a diagnosis.");
  prediction_->setText(text);
  prediction_->show();
}

void WsiPanel::setTissue(std::vector<TissueRegion> regions) {
  view_->setTissue(std::move(regions));
  refreshLayerLabels();
}

void WsiPanel::setPatches(PatchLayer layer) {
  view_->setPatches(std::move(layer));
  refreshLayerLabels();
}

bool WsiPanel::setHeatmap(PatchLayer layer) {
  try {
    view_->setHeatmap(std::move(layer));
  } catch (const std::exception& e) {
    showError(QString::fromStdString(e.what()));
    return false;
  }
  refreshLayerLabels();
  return true;
}

void WsiPanel::refreshLayerLabels() {
  const Overlays& o = view_->overlays();
  layers_[static_cast<std::size_t>(Layer::Tissue)]->visible->setText(tr("Tissue (%1 regions)").arg(o.tissue().size()));
  layers_[static_cast<std::size_t>(Layer::Patches)]->visible->setText(tr("Patches (%1)").arg(o.patches().coords.size()));
  layers_[static_cast<std::size_t>(Layer::Heatmap)]->visible->setText(tr("Heatmap (%1 patches)").arg(o.heatmap().coords.size()));
}

QStringList WsiPanel::associatedImageNames() const {
  QStringList names;
  if (view_->slide())
    for (const std::string& n : view_->slide()->associatedImages()) names << QString::fromStdString(n);
  return names;
}

bool WsiPanel::associatedImagesShown() const { return associatedImages_->isVisibleTo(this); }

void WsiPanel::setAssociatedImagesShown(bool shown) {
  if (showAssociated_->isChecked() != shown) {
    const QSignalBlocker blocker(showAssociated_);
    showAssociated_->setChecked(shown);
  }
  // Hidden means not in memory either: the pixmaps go with the labels.
  QLayout* list = associatedImages_->layout();
  while (QLayoutItem* item = list->takeAt(0)) {
    delete item->widget();
    delete item;
  }
  associatedImages_->setVisible(shown && view_->slide());
  if (associatedImages_->isVisibleTo(this)) showAssociatedImages();
}

void WsiPanel::showAssociatedImages() {
  QLayout* list = associatedImages_->layout();
  for (const QString& name : associatedImageNames()) {
    auto* caption = new QLabel(name, associatedImages_);
    auto* image = new QLabel(associatedImages_);
    image->setObjectName(QStringLiteral("wsiAssociated_%1").arg(name));
    try {
      const QImage read = toQImage(view_->slide()->associatedImage(name.toStdString()));
      image->setPixmap(QPixmap::fromImage(read.width() > kAssociatedImageMaxPx
                                              ? read.scaledToWidth(kAssociatedImageMaxPx, Qt::SmoothTransformation)
                                              : read));
    } catch (const std::exception& e) {
      image->setText(QString::fromStdString(e.what()));
      image->setWordWrap(true);
    }
    list->addWidget(caption);
    list->addWidget(image);
  }
}

QString WsiPanel::errorText() const { return error_->text(); }
QString WsiPanel::infoText() const { return info_->text(); }
QString WsiPanel::predictionText() const { return prediction_->text(); }

void WsiPanel::showError(const QString& message) {
  error_->setText(message);
  error_->setVisible(!message.isEmpty());
}

}  // namespace krait::wsi
