#include "segment_table.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSlider>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

namespace krait::studio {

namespace {
enum Column { Colour, Value, Name, Millilitres, Voxels, Columns };
}

SegmentTable::SegmentTable(ViewerState& state, QWidget* parent) : QWidget(parent), state_(state) {
  auto* layout = new QVBoxLayout(this);
  auto* row = new QHBoxLayout;
  row->addWidget(new QLabel("Opacity", this));
  opacity_ = new QSlider(Qt::Horizontal, this);
  opacity_->setObjectName("opacity");
  opacity_->setRange(0, 100);
  opacity_->setValue(static_cast<int>(state_.opacity() * 100));
  row->addWidget(opacity_, 1);
  layout->addLayout(row);
  table_ = new QTableWidget(0, Columns, this);
  table_->setObjectName("segments");
  table_->setHorizontalHeaderLabels({"", "#", "Name", "mL", "Voxels"});
  table_->verticalHeader()->hide();
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::SingleSelection);
  // Names are renamed in place (double-click, F2); long ones are elided, their tooltip whole.
  table_->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed);
  table_->setTextElideMode(Qt::ElideMiddle);
  table_->horizontalHeader()->setSectionResizeMode(Value, QHeaderView::ResizeToContents);
  table_->horizontalHeader()->setSectionResizeMode(Name, QHeaderView::Stretch);
  table_->horizontalHeader()->setSectionResizeMode(Millilitres, QHeaderView::ResizeToContents);
  table_->horizontalHeader()->setSectionResizeMode(Voxels, QHeaderView::ResizeToContents);
  table_->setColumnWidth(Colour, 28);
  layout->addWidget(table_, 1);

  connect(opacity_, &QSlider::valueChanged, this, [this](int v) {
    state_.setOpacity(v / 100.0);
    Q_EMIT opacityChanged();
  });
  connect(table_, &QTableWidget::itemChanged, this, [this](QTableWidgetItem* item) {
    if (filling_ || item->column() != Name) return;
    SegmentRow& shown = rows_[static_cast<size_t>(item->row())];
    const int64_t label = item->data(Qt::UserRole).toLongLong();
    if (const std::string name = item->text().trimmed().toStdString(); name != shown.name) {
      state_.segments().rename(label, name);
      // After Qt has finished with the edited item: an emptied name goes back to "Label N".
      QTimer::singleShot(0, this, &SegmentTable::refresh);
      return;
    }
    const bool visible = item->checkState() == Qt::Checked;
    if (visible == shown.visible) return;
    state_.segments().setVisible(label, visible);
    shown.visible = visible;
    Q_EMIT visibilityChanged();
  });
  connect(table_, &QTableWidget::itemSelectionChanged, this, [this] {
    if (!filling_ && selectedLabel() != 0) Q_EMIT labelChosen(selectedLabel());
  });
}

void SegmentTable::refresh() {
  const int64_t selected = selectedLabel();
  filling_ = true;
  const Volume& shown = state_.shownLabels();
  rows_ = state_.segments().rows(shown.empty() ? std::vector<LabelStatistics>{} : labelStatistics(shown));
  table_->setRowCount(static_cast<int>(rows_.size()));
  for (int r = 0; r < static_cast<int>(rows_.size()); ++r) {
    const SegmentRow& s = rows_[static_cast<size_t>(r)];
    auto* colour = new QTableWidgetItem;
    colour->setBackground(QColor(s.colour.r, s.colour.g, s.colour.b));
    colour->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
    table_->setItem(r, Colour, colour);
    auto* value = new QTableWidgetItem(QString::number(s.label));
    value->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
    value->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    table_->setItem(r, Value, value);
    auto* name = new QTableWidgetItem(QString::fromStdString(s.name));
    name->setToolTip(QString::fromStdString(s.name));
    name->setData(Qt::UserRole, static_cast<qlonglong>(s.label));
    name->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsUserCheckable | Qt::ItemIsEditable);
    name->setCheckState(s.visible ? Qt::Checked : Qt::Unchecked);
    table_->setItem(r, Name, name);
    auto* ml = new QTableWidgetItem(QString::number(s.millilitres, 'f', 2));
    ml->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
    ml->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    table_->setItem(r, Millilitres, ml);
    auto* voxels = new QTableWidgetItem(QString::number(s.voxels));
    voxels->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
    voxels->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    table_->setItem(r, Voxels, voxels);
    if (s.label == selected) table_->selectRow(r);
  }
  filling_ = false;
}

int64_t SegmentTable::selectedLabel() const {
  const auto rows = table_->selectionModel()->selectedRows(Name);
  return rows.isEmpty() ? 0 : rows.front().data(Qt::UserRole).toLongLong();
}

}  // namespace krait::studio
