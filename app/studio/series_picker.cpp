#include "series_picker.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QTableWidget>
#include <QVBoxLayout>

namespace krait::studio {

std::optional<std::string> pickSeries(const std::vector<SeriesRow>& rows, QWidget* parent) {
  QDialog dialog(parent);
  dialog.setWindowTitle("Choose a series");
  auto* table = new QTableWidget(static_cast<int>(rows.size()), 4, &dialog);
  table->setHorizontalHeaderLabels({"Modality", "Description", "Images", "Size"});
  table->setSelectionBehavior(QAbstractItemView::SelectRows);
  table->setSelectionMode(QAbstractItemView::SingleSelection);
  table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table->horizontalHeader()->setStretchLastSection(true);
  for (int r = 0; r < static_cast<int>(rows.size()); ++r) {
    const auto& row = rows[static_cast<std::size_t>(r)];
    const std::string cells[] = {row.modality, row.description, row.images, row.size};
    for (int c = 0; c < 4; ++c) table->setItem(r, c, new QTableWidgetItem(QString::fromStdString(cells[c])));
  }
  table->selectRow(0);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Open | QDialogButtonBox::Cancel, &dialog);
  QObject::connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
  QObject::connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
  QObject::connect(table, &QTableWidget::cellDoubleClicked, &dialog, &QDialog::accept);
  auto* layout = new QVBoxLayout(&dialog);
  layout->addWidget(table);
  layout->addWidget(buttons);
  dialog.resize(640, 300);
  if (dialog.exec() != QDialog::Accepted || table->currentRow() < 0) return std::nullopt;
  return rows[static_cast<std::size_t>(table->currentRow())].uid;
}

}  // namespace krait::studio
