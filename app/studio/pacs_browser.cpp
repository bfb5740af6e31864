#include "pacs_browser.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalBlocker>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>

namespace krait::studio {
namespace {

QTableWidget* newTable(const std::vector<std::string>& columns, const char* name, QWidget* parent) {
  auto* table = new QTableWidget(0, static_cast<int>(columns.size()), parent);
  table->setObjectName(name);
  QStringList headers;
  for (const std::string& c : columns) headers << QString::fromStdString(c);
  table->setHorizontalHeaderLabels(headers);
  table->setSelectionBehavior(QAbstractItemView::SelectRows);
  table->setSelectionMode(QAbstractItemView::SingleSelection);
  table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  // Columns fit what they hold; the description, the longest text, takes the rest of the width.
  table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  table->horizontalHeader()->setSectionResizeMode(static_cast<int>(std::find(columns.begin(), columns.end(), "Description") - columns.begin()),
                                                  QHeaderView::Stretch);
  table->verticalHeader()->hide();
  return table;
}

void fill(QTableWidget* table, const std::vector<PacsRow>& rows) {
  const QSignalBlocker quiet(table);  // refilling is not the user choosing a row
  table->clearSelection();
  table->setRowCount(static_cast<int>(rows.size()));
  for (int r = 0; r < table->rowCount(); ++r)
    for (int c = 0; c < table->columnCount(); ++c)
      table->setItem(r, c, new QTableWidgetItem(QString::fromStdString(rows[static_cast<std::size_t>(r)].cells[static_cast<std::size_t>(c)])));
}

int chosenRow(const QTableWidget* table) {
  const auto rows = table->selectionModel()->selectedRows();
  return rows.isEmpty() ? -1 : rows.front().row();
}

}  // namespace

PacsBrowser::PacsBrowser(QWidget* parent) : QDialog(parent) {
  setWindowTitle("PACS");
  auto* layout = new QVBoxLayout(this);

  auto* settingsRow = new QHBoxLayout;
  settingsFile_ = new QLabel(this);
  settingsFile_->setObjectName("pacsSettingsFile");
  settingsFile_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  reload_ = new QPushButton("Reload", this);
  reload_->setObjectName("pacsReload");
  reload_->setToolTip("Read the settings file again (docs/pacs.md)");
  connect(reload_, &QPushButton::clicked, this, [this] { loadSettings(); });
  settingsRow->addWidget(settingsFile_, 1);
  settingsRow->addWidget(reload_);
  layout->addLayout(settingsRow);

  auto* nodeRow = new QHBoxLayout;
  nodeRow->addWidget(new QLabel("Node", this));
  node_ = new QComboBox(this);
  node_->setObjectName("pacsNode");
  connect(node_, &QComboBox::currentIndexChanged, this, &PacsBrowser::showNode);
  nodeRow->addWidget(node_);
  nodeDetails_ = new QLabel(this);
  nodeDetails_->setObjectName("pacsNodeDetails");
  nodeRow->addWidget(nodeDetails_, 1);
  echo_ = new QPushButton("Echo", this);
  echo_->setObjectName("pacsEcho");
  echo_->setToolTip("Check that the node answers (C-ECHO)");
  connect(echo_, &QPushButton::clicked, this, &PacsBrowser::echo);
  nodeRow->addWidget(echo_);
  layout->addLayout(nodeRow);

  auto* filterRow = new QHBoxLayout;
  const auto field = [&](const char* label, const char* name, const char* placeholder) {
    filterRow->addWidget(new QLabel(label, this));
    auto* edit = new QLineEdit(this);
    edit->setObjectName(name);
    edit->setPlaceholderText(placeholder);
    edit->setClearButtonEnabled(true);
    connect(edit, &QLineEdit::returnPressed, this, &PacsBrowser::searchStudies);
    filterRow->addWidget(edit, 1);
    return edit;
  };
  patientId_ = field("Patient ID", "patientId", "any (* and ? match)");
  patientName_ = field("Name", "patientName", "any (starts with)");
  date_ = field("Study date", "studyDate", "YYYYMMDD or YYYYMMDD-YYYYMMDD");
  search_ = new QPushButton("Search", this);
  search_->setObjectName("pacsSearch");
  connect(search_, &QPushButton::clicked, this, &PacsBrowser::searchStudies);
  filterRow->addWidget(search_);
  layout->addLayout(filterRow);

  studyTable_ = newTable(pacsStudyColumns(), "studies", this);
  connect(studyTable_, &QTableWidget::itemSelectionChanged, this, &PacsBrowser::searchSeries);
  seriesTable_ = newTable(pacsSeriesColumns(), "series", this);
  connect(seriesTable_, &QTableWidget::itemSelectionChanged, this, &PacsBrowser::updateButtons);
  connect(seriesTable_, &QTableWidget::cellDoubleClicked, this, &PacsBrowser::retrieve);
  layout->addWidget(new QLabel("Studies", this));
  layout->addWidget(studyTable_, 3);
  layout->addWidget(new QLabel("Series of the chosen study", this));
  layout->addWidget(seriesTable_, 2);

  message_ = new QLabel(this);
  message_->setObjectName("pacsMessage");
  message_->setWordWrap(true);
  message_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(message_);

  auto* bottom = new QHBoxLayout;
  progress_ = new QProgressBar(this);
  progress_->setObjectName("pacsProgress");
  progress_->setRange(0, 0);  // a request has no measurable progress: busy or not
  progress_->setMaximumWidth(160);
  progress_->hide();
  bottom->addWidget(progress_);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
  retrieve_ = buttons->addButton("Retrieve and open", QDialogButtonBox::ActionRole);
  retrieve_->setObjectName("pacsRetrieve");
  connect(retrieve_, &QPushButton::clicked, this, &PacsBrowser::retrieve);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::hide);
  bottom->addWidget(buttons, 1);
  layout->addLayout(bottom);

  timer_ = new QTimer(this);
  timer_->setInterval(100);
  connect(timer_, &QTimer::timeout, this, &PacsBrowser::poll);
  resize(900, 620);
  loadSettings();
}

PacsBrowser::~PacsBrowser() = default;

QString PacsBrowser::loadSettings(const QString& file) {
  if (busy()) return "wait for the request under way to finish";
  worker_.reset();
  {
    const QSignalBlocker quiet(node_);
    node_->clear();
  }
  studies_.clear(), series_.clear();
  fill(studyTable_, studies_);
  fill(seriesTable_, series_);
  const std::filesystem::path path = io::pacsSettingsFile(file.toStdString());
  settingsFile_->setText("Settings: " + QString::fromStdString(path.string()));
  QString error;
  try {
    io::PacsSettings settings = io::PacsSettings::load(path);  // refuses a file without nodes
    const QSignalBlocker quiet(node_);
    for (const auto& [name, node] : settings.nodes) node_->addItem(QString::fromStdString(name));
    node_->setCurrentText(QString::fromStdString(settings.defaultNode.empty() ? settings.nodes.begin()->first : settings.defaultNode));
    worker_ = std::make_unique<PacsWorker>(std::move(settings));
    say(QString("%1 node(s); Search lists the studies of the chosen one.").arg(node_->count()));
  } catch (const std::exception& e) {
    error = e.what();
    say(error, true);
  }
  showNode();
  updateButtons();
  return error;
}

QStringList PacsBrowser::nodes() const {
  QStringList names;
  for (int i = 0; i < node_->count(); ++i) names << node_->itemText(i);
  return names;
}

QString PacsBrowser::currentNode() const { return node_->currentText(); }

void PacsBrowser::showNode() {
  const auto& nodes = worker_ ? worker_->settings().nodes : std::map<std::string, io::PacsNode>{};
  const auto it = nodes.find(currentNode().toStdString());
  nodeDetails_->setText(it == nodes.end() ? QString() : QString::fromStdString(nodeSummary(it->second)));
}

bool PacsBrowser::begin(const QString& doing) {
  if (!worker_ || busy() || node_->count() == 0) return false;
  say(doing);
  progress_->show();
  timer_->start();
  return true;
}

void PacsBrowser::echo() {
  if (!begin("Echo to " + currentNode() + "…")) return;
  worker_->echo(currentNode().toStdString());
  updateButtons();
}

void PacsBrowser::searchStudies() {
  if (!begin("Searching " + currentNode() + " for studies…")) return;
  studies_.clear(), series_.clear();
  fill(studyTable_, studies_);
  fill(seriesTable_, series_);
  worker_->findStudies(currentNode().toStdString(),
                       {patientId_->text().trimmed().toStdString(), patientName_->text().trimmed().toStdString(),
                        date_->text().trimmed().toStdString()});
  updateButtons();
}

void PacsBrowser::searchSeries() {
  const int row = chosenRow(studyTable_);
  if (row < 0 || !begin("Listing the series of the study…")) return;
  series_.clear();
  fill(seriesTable_, series_);
  studyUid_ = QString::fromStdString(studies_[static_cast<std::size_t>(row)].uid);
  worker_->findSeries(currentNode().toStdString(), studyUid_.toStdString());
  updateButtons();
}

void PacsBrowser::retrieve() {
  const int row = chosenRow(seriesTable_);
  if (row < 0 || !begin("Retrieving the series…")) return;
  const std::string uid = series_[static_cast<std::size_t>(row)].uid;
  try {
    worker_->retrieve(currentNode().toStdString(), studyUid_.toStdString(), uid, retrievedSeriesFolder(uid));
  } catch (const std::exception& e) {
    timer_->stop();
    progress_->hide();
    say(e.what(), true);
  }
  updateButtons();
}

void PacsBrowser::sendSeg(const QString& node, SegDocument seg) {
  show();
  raise();
  if (!begin("Sending the SEG to " + node + "…")) return;
  worker_->sendSeg(node.toStdString(), std::move(seg));
  updateButtons();
}

void PacsBrowser::poll() {
  if (!worker_ || worker_->busy()) return;
  timer_->stop();
  progress_->hide();
  if (const std::optional<PacsResult> result = worker_->take()) finish(*result);
  updateButtons();
}

void PacsBrowser::finish(const PacsResult& r) {
  const QString node = QString::fromStdString(r.node);
  if (!r.error.empty()) {
    say(QString::fromStdString(r.error), true);
    if (r.task == PacsTask::Send) Q_EMIT segSent("The SEG was not sent: " + message());
    return;
  }
  switch (r.task) {
    case PacsTask::Echo:
      say(node + " answers (C-ECHO).");
      break;
    case PacsTask::Studies:
      studies_ = pacsStudyRows(r.matches);
      fill(studyTable_, studies_);
      say(QString("%1 stud%2 on %3; choose one for its series.").arg(studies_.size()).arg(studies_.size() == 1 ? "y" : "ies").arg(node));
      break;
    case PacsTask::Series:
      series_ = pacsSeriesRows(r.matches);
      fill(seriesTable_, series_);
      say(QString("%1 series in the study; Retrieve and open the chosen one.").arg(series_.size()));
      break;
    case PacsTask::Retrieve:
      say(QString("Retrieved %1 images into %2.").arg(r.files).arg(QString::fromStdString(r.folder.string())));
      Q_EMIT seriesRetrieved(QString::fromStdString(r.folder.string()), QString::fromStdString(r.seriesUid));
      break;
    case PacsTask::Send:
      say("The SEG was sent to " + node + " (C-STORE) and stored.");
      Q_EMIT segSent(message());
      break;
  }
}

void PacsBrowser::updateButtons() {
  const bool ready = worker_ && !busy() && node_->count() > 0;
  reload_->setEnabled(!busy());
  for (QWidget* w : std::initializer_list<QWidget*>{node_, echo_, search_, studyTable_, seriesTable_}) w->setEnabled(ready);
  retrieve_->setEnabled(ready && chosenRow(seriesTable_) >= 0);
}

void PacsBrowser::say(const QString& text, bool error) {
  message_->setStyleSheet(error ? "color: #c0392b;" : "");
  message_->setText(text);
}

QString PacsBrowser::message() const { return message_->text(); }

}  // namespace krait::studio
